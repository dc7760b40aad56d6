//! UDP (RFC 768): header, length checks, checksum status, tree and Info.

use std::ops::Range;

use nom::number::complete::be_u16;
use nom::Parser;

use crate::error::{need, DissectError, Severity};
use crate::tree::{NodeId, Tree, Value, SKIPPED};
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
/// `data` according to the IP header, clamped to the frame's length on the
/// wire; it may lie past `data.len()` when the capture was cut short
/// (captured bounds are taken from `data.len()`). The length field is checked
/// against `end - off`, so passing the captured end for a cut capture would
/// flag good lengths as bad.
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
    let (_, (sport, dport, length, checksum)) = (be_u16, be_u16, be_u16, be_u16)
        .parse(input)
        .map_err(|e| nom_err(LAYER, off, input.len(), e))?;
    let ip_len = end.saturating_sub(off);
    let start = off.saturating_add(HEADER_LEN);
    let len = usize::from(length);
    let payload_end = if len >= HEADER_LEN {
        off.saturating_add(len.min(ip_len))
    } else {
        start
    };
    let payload = start..payload_end.min(cap_end).max(start);
    Ok(Udp {
        sport,
        dport,
        length,
        checksum,
        off,
        payload,
        ip_len,
    })
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
    /// A datagram whose IP payload is not fully captured, or whose length
    /// field is bogus, is Unverified.
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

    /// The whole datagram by the length field, if it is sane and the whole
    /// IP payload is captured (Wireshark leaves it unverified otherwise, even
    /// when the datagram itself fits).
    fn whole<'a>(&self, data: &'a [u8]) -> Option<&'a [u8]> {
        if self.length_too_short() || self.length_too_long() || self.off.checked_add(self.ip_len)? > data.len() {
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
    pub fn tree(&self, t: &mut Tree, data: &[u8], cx: &UdpCtx) -> NodeId {
        let o = self.off;
        let at = |k: usize| o.saturating_add(k);
        let root = t.text(
            None,
            "udp",
            format!(
                "User Datagram Protocol, Src Port: {}, Dst Port: {}",
                self.sport, self.dport
            ),
            o,
            0,
        );
        add_ports(
            t,
            root,
            ("udp.srcport", "udp.dstport", "udp.port"),
            o,
            self.sport,
            self.dport,
        );

        let len = t.uint(root, "udp.length", "Length", u64::from(self.length), at(4), 2);
        if self.length_too_short() {
            t.set_text(len, format!("{} (bogus, must be >= 8)", self.length));
            let msg = format!("Bad length value {} < 8", self.length);
            t.expert(len, Severity::Error, EXPERT_LENGTH_BAD, msg, at(4), 0);
            // Wireshark stops here: nothing after a length that cannot be.
            // Only the header is shown (all of it, unless clipped).
            if len == SKIPPED {
                fit_root(t, root, o, HEADER_LEN);
            } else {
                t.set_len(root, HEADER_LEN);
            }
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
        // Wireshark's payload item runs to the end of the IP payload (even
        // when the length field says less) and counts by the length field.
        let start = self.payload.start;
        let ip_end = self.off.saturating_add(self.ip_len).min(data.len());
        let span = ip_end.saturating_sub(start);
        if span > 0 {
            let p = t.bytes(root, "udp.payload", "UDP payload", start, span);
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
                t.expert(
                    ck,
                    Severity::Error,
                    EXPERT_CHECKSUM_ZERO,
                    "Illegal checksum value (0)",
                    o,
                    0,
                );
                let s = t.uint(ck, "udp.checksum.status", "Checksum Status", 4, o, 2);
                t.set_text(s, "Illegal");
            }
            ChecksumStatus::Good => {
                t.set_text(ck, format!("0x{v:04x} [correct]"));
                t.hex(
                    ck,
                    "udp.checksum_calculated",
                    "Calculated Checksum",
                    u64::from(v),
                    4,
                    o,
                    2,
                );
                status_node(t, root, status, o);
            }
            ChecksumStatus::Bad(c) => {
                t.set_text(
                    ck,
                    format!("0x{v:04x} incorrect, should be 0x{c:04x} (maybe caused by \"UDP checksum offload\"?)"),
                );
                t.expert(
                    ck,
                    Severity::Error,
                    EXPERT_CHECKSUM_BAD,
                    format!("Bad checksum [should be 0x{c:04x}]"),
                    o,
                    0,
                );
                t.hex(
                    ck,
                    "udp.checksum_calculated",
                    "Calculated Checksum",
                    u64::from(c),
                    4,
                    o,
                    2,
                );
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
            format!(
                "{s} \u{2192} {d} [BAD UDP LENGTH {} > IP PAYLOAD LENGTH] Len={}",
                self.length,
                self.data_len()
            )
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
            s.push_str(if self.checksum == 0 {
                " [ILLEGAL CHECKSUM (0)]"
            } else {
                " [UDP CHECKSUM INCORRECT]"
            });
        }
        s
    }
}

fn status_node(t: &mut Tree, parent: NodeId, status: ChecksumStatus, off: usize) {
    let s = t.add(
        Some(parent),
        "udp.checksum.status",
        "Checksum Status",
        Value::UInt(status.code()),
        off,
        0,
    );
    t.set_text(s, status.label());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::{pseudo_v4, pseudo_v6};
    use etherparse::PacketBuilder;
    use std::net::{Ipv4Addr, Ipv6Addr};

    const S4: [u8; 4] = [192, 168, 1, 10];
    const D4: [u8; 4] = [192, 168, 1, 1];

    /// IPv4 + UDP with a 22-byte payload: UDP at 20, length 30.
    fn v4() -> Vec<u8> {
        let mut d = Vec::new();
        PacketBuilder::ipv4(S4, D4, 64)
            .udp(51514, 53)
            .write(&mut d, &[0x78; 22])
            .unwrap();
        d
    }

    fn ps4(len: usize) -> u64 {
        pseudo_v4(Ipv4Addr::from(S4), Ipv4Addr::from(D4), 17, len)
    }

    fn dump(tr: &Tree, d: &[u8]) -> Vec<(String, u32, u32, String, bool)> {
        tr.pre_order()
            .map(|(_, n)| (n.name.to_string(), n.off, n.len, tr.line(n, d), n.hidden))
            .collect()
    }

    #[test]
    fn parses_and_shows_a_datagram() {
        let d = v4();
        let u = parse(&d, 20, d.len()).unwrap();
        assert_eq!((u.sport, u.dport, u.length), (51514, 53, 30));
        assert_eq!(u.payload, 28..50);
        assert_eq!(u.ip_len, 30);
        assert_eq!(u.info(), "51514 \u{2192} 53 Len=22");
        let good = u.checksum_status(&d, ps4(30), false);
        assert_eq!(good, ChecksumStatus::Good);
        let mut tr = Tree::new();
        let root = u.tree(
            &mut tr,
            &d,
            &UdpCtx {
                stream: Some(3),
                checksum: good,
            },
        );
        let ck = u.checksum;
        let want = vec![
            (
                "udp",
                20,
                8,
                "User Datagram Protocol, Src Port: 51514, Dst Port: 53".to_string(),
                false,
            ),
            ("udp.srcport", 20, 2, "Source Port: 51514".into(), false),
            ("udp.dstport", 22, 2, "Destination Port: 53".into(), false),
            ("udp.port", 20, 2, "Source or Destination Port: 51514".into(), true),
            ("udp.port", 22, 2, "Source or Destination Port: 53".into(), true),
            ("udp.length", 24, 2, "Length: 30".into(), false),
            ("udp.checksum", 26, 2, format!("Checksum: 0x{ck:04x} [correct]"), false),
            (
                "udp.checksum_calculated",
                26,
                2,
                format!("Calculated Checksum: 0x{ck:04x}"),
                false,
            ),
            ("udp.checksum.status", 26, 0, "Checksum Status: Good".into(), false),
            ("udp.stream", 28, 0, "[Stream index: 3]".into(), false),
            ("udp.payload", 28, 22, "UDP payload: (22 bytes)".into(), false),
        ];
        let got = dump(&tr, &d);
        let got: Vec<(&str, u32, u32, String, bool)> = got
            .iter()
            .map(|(a, b, c, e, f)| (a.as_str(), *b, *c, e.clone(), *f))
            .collect();
        assert_eq!(got, want);
        assert_eq!(tr.node(root).unwrap().parent(), None);
        let (id, _) = tr.find("udp.payload").next().unwrap();
        assert_eq!(tr.field_string(id, &d), "78".repeat(22));
    }

    #[test]
    fn truncation_sweep() {
        let d = v4();
        for n in 0..=d.len() {
            let cut = d.get(..n).unwrap();
            let r = parse(cut, 20, d.len());
            let have = n.saturating_sub(20);
            if have < 8 {
                assert_eq!(r, Err(DissectError::truncated("UDP", 20, 8, have)), "prefix {n}");
            } else {
                let u = r.unwrap();
                assert_eq!(u.payload, 28..n, "prefix {n}");
                assert_eq!(u.info(), "51514 \u{2192} 53 Len=22");
                // Not all captured: cannot be verified.
                let want = if n == d.len() {
                    ChecksumStatus::Good
                } else {
                    ChecksumStatus::Unverified
                };
                assert_eq!(u.checksum_status(cut, ps4(30), false), want);
            }
        }
        assert_eq!(
            parse(&d, usize::MAX, usize::MAX),
            Err(DissectError::truncated("UDP", usize::MAX, 8, 0))
        );
        // The IP payload ends before the UDP header does.
        assert_eq!(parse(&d, 20, 25), Err(DissectError::truncated("UDP", 20, 8, 5)));
    }

    fn with_length(len: u16) -> Vec<u8> {
        let mut d = v4();
        d[24..26].copy_from_slice(&len.to_be_bytes());
        d
    }

    fn experts(u: &Udp, d: &[u8], cx: &UdpCtx) -> Vec<(&'static str, String)> {
        let mut tr = Tree::new();
        u.tree(&mut tr, d, cx);
        tr.experts().map(|(_, e)| (e.code, e.msg.clone())).collect()
    }

    #[test]
    fn bad_lengths() {
        // Longer than the IP payload.
        let d = with_length(40);
        let u = parse(&d, 20, d.len()).unwrap();
        assert_eq!(u.payload, 28..50);
        assert_eq!(
            u.info(),
            "51514 \u{2192} 53 [BAD UDP LENGTH 40 > IP PAYLOAD LENGTH] Len=32"
        );
        assert_eq!(u.checksum_status(&d, ps4(40), false), ChecksumStatus::Unverified);
        assert_eq!(
            experts(&u, &d, &UdpCtx::default()),
            vec![(EXPERT_LENGTH_BAD, "Bad length value 40 > IP payload length".to_string())]
        );
        let mut tr = Tree::new();
        u.tree(&mut tr, &d, &UdpCtx::default());
        let (_, l) = tr.find("udp.length").next().unwrap();
        assert_eq!(tr.line(l, &d), "Length: 40 (bogus, payload length 30)");

        // Shorter than 8: nothing after the length field.
        let d = with_length(4);
        let u = parse(&d, 20, d.len()).unwrap();
        assert_eq!(u.payload, 28..28);
        assert_eq!(u.info(), "51514 \u{2192} 53 [BAD UDP LENGTH 4 < 8]");
        assert_eq!(
            u.info_with(&UdpCtx {
                stream: None,
                checksum: ChecksumStatus::Bad(1)
            }),
            u.info()
        );
        let mut tr = Tree::new();
        let root = u.tree(&mut tr, &d, &UdpCtx::default());
        assert_eq!(tr.node(root).unwrap().len, 8);
        assert_eq!(tr.find("udp.checksum").count(), 0);
        let (_, l) = tr.find("udp.length").next().unwrap();
        assert_eq!(tr.line(l, &d), "Length: 4 (bogus, must be >= 8)");
        assert_eq!(tr.experts().next().unwrap().1.msg, "Bad length value 4 < 8");

        // Shorter than the IP payload: the payload follows the length field,
        // the tree item runs to the end of the IP payload as Wireshark's does.
        let d = with_length(20);
        let u = parse(&d, 20, d.len()).unwrap();
        assert_eq!(u.payload, 28..40);
        assert_eq!(u.info(), "51514 \u{2192} 53 Len=12");
        let mut tr = Tree::new();
        u.tree(&mut tr, &d, &UdpCtx::default());
        let (_, p) = tr.find("udp.payload").next().unwrap();
        assert_eq!((p.off, p.len), (28, 22));
        assert_eq!(tr.line(p, &d), "UDP payload: (12 bytes)");
    }

    #[test]
    fn unverified_when_the_ip_payload_is_cut_even_if_the_datagram_fits() {
        let d = with_length(20);
        let u = parse(&d, 20, d.len()).unwrap();
        assert!(matches!(u.checksum_status(&d, ps4(20), false), ChecksumStatus::Bad(_)));
        let cut = d.get(..45).unwrap();
        let u = parse(cut, 20, d.len()).unwrap();
        assert_eq!(u.checksum_status(cut, ps4(20), false), ChecksumStatus::Unverified);
    }

    #[test]
    fn checksums_v4_and_v6() {
        let d = v4();
        let u = parse(&d, 20, d.len()).unwrap();
        let good = u.checksum;
        let mut bad = d.clone();
        bad[26..28].copy_from_slice(&(good ^ 0x1111).to_be_bytes());
        let ub = parse(&bad, 20, bad.len()).unwrap();
        assert_eq!(ub.checksum_status(&bad, ps4(30), false), ChecksumStatus::Bad(good));
        let cx = UdpCtx {
            stream: None,
            checksum: ChecksumStatus::Bad(good),
        };
        assert_eq!(ub.info_with(&cx), "51514 \u{2192} 53 Len=22 [UDP CHECKSUM INCORRECT]");
        let mut tr = Tree::new();
        ub.tree(&mut tr, &bad, &cx);
        let (_, c) = tr.find("udp.checksum").next().unwrap();
        assert_eq!(
            tr.line(c, &bad),
            format!(
                "Checksum: 0x{:04x} incorrect, should be 0x{good:04x} (maybe caused by \"UDP checksum offload\"?)",
                good ^ 0x1111
            )
        );
        let (_, e) = tr.experts().next().unwrap();
        assert_eq!(
            (e.code, e.severity, e.msg.as_str()),
            (
                EXPERT_CHECKSUM_BAD,
                Severity::Error,
                &*format!("Bad checksum [should be 0x{good:04x}]")
            )
        );
        assert_eq!(tr.find("udp.checksum.status").next().unwrap().1.value, Value::UInt(0));

        // Zero over IPv4: no checksum.
        let mut z = d.clone();
        z[26..28].copy_from_slice(&[0, 0]);
        let uz = parse(&z, 20, z.len()).unwrap();
        assert_eq!(uz.checksum_status(&z, ps4(30), false), ChecksumStatus::Unverified);
        let mut tr = Tree::new();
        uz.tree(&mut tr, &z, &UdpCtx::default());
        let (_, c) = tr.find("udp.checksum").next().unwrap();
        assert_eq!(tr.line(c, &z), "Checksum: 0x0000 [zero-value ignored]");
        let (_, s) = tr.find("udp.checksum.status").next().unwrap();
        assert_eq!(
            (s.value.clone(), s.off, s.len, tr.line(s, &z)),
            (Value::UInt(3), 26, 2, "Checksum Status: Not present".to_string())
        );
        assert_eq!(s.parent(), tr.find("udp.checksum").next().map(|(i, _)| i));

        // IPv6.
        let s6 = Ipv6Addr::LOCALHOST.octets();
        let d6 = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1).octets();
        let mut d = Vec::new();
        PacketBuilder::ipv6(s6, d6, 64)
            .udp(5353, 5353)
            .write(&mut d, b"question")
            .unwrap();
        let ps = pseudo_v6(Ipv6Addr::from(s6), Ipv6Addr::from(d6), 17, 16);
        let u = parse(&d, 40, d.len()).unwrap();
        assert_eq!(u.checksum_status(&d, ps, true), ChecksumStatus::Good);
        let good = u.checksum;
        d[50] ^= 1;
        assert!(matches!(u.checksum_status(&d, ps, true), ChecksumStatus::Bad(c) if c != good));
        d[50] ^= 1;
        // Zero over IPv6 is illegal.
        d[46..48].copy_from_slice(&[0, 0]);
        let u = parse(&d, 40, d.len()).unwrap();
        let st = u.checksum_status(&d, ps, true);
        assert_eq!(st, ChecksumStatus::Bad(good));
        let cx = UdpCtx {
            stream: None,
            checksum: st,
        };
        assert_eq!(u.info_with(&cx), "5353 \u{2192} 5353 Len=8 [ILLEGAL CHECKSUM (0)]");
        assert_eq!(
            experts(&u, &d, &cx),
            vec![(EXPERT_CHECKSUM_ZERO, "Illegal checksum value (0)".to_string())]
        );
        let mut tr = Tree::new();
        u.tree(&mut tr, &d, &cx);
        let (_, s) = tr.find("udp.checksum.status").next().unwrap();
        assert_eq!(
            (s.value.clone(), tr.line(s, &d)),
            (Value::UInt(4), "Checksum Status: Illegal".to_string())
        );
    }

    #[test]
    fn checksum_computed_zero_is_sent_as_ffff() {
        // Find a payload whose checksum computes to 0: the sender puts 0xffff.
        let mut d = v4();
        // Adjust the last two payload bytes so that the one's complement sum
        // of everything but the checksum field is 0xffff.
        d[26..28].copy_from_slice(&[0, 0]);
        d[48..50].copy_from_slice(&[0, 0]);
        let partial = !crate::util::fold(sum_words(ps4(30), d.get(20..50).unwrap()));
        d[48..50].copy_from_slice(&(!partial).to_be_bytes());
        assert_eq!(crate::util::fold(sum_words(ps4(30), d.get(20..50).unwrap())), 0);
        d[26..28].copy_from_slice(&[0xff, 0xff]);
        let u2 = parse(&d, 20, d.len()).unwrap();
        assert_eq!(u2.checksum_status(&d, ps4(30), false), ChecksumStatus::Good);
        d[26..28].copy_from_slice(&[0x12, 0x34]);
        let u3 = parse(&d, 20, d.len()).unwrap();
        assert_eq!(u3.checksum_status(&d, ps4(30), false), ChecksumStatus::Bad(0xffff));
    }

    #[test]
    fn clipped_header() {
        let d = v4();
        let cut = d.get(..25).unwrap();
        let e = parse(cut, 20, d.len()).unwrap_err();
        assert_eq!(e, DissectError::truncated("UDP", 20, 8, 5));
        let mut padded = cut.to_vec();
        padded.resize(28, 0);
        let u = parse(&padded, 20, d.len()).unwrap();
        let mut tr = Tree::new();
        tr.set_clip(Some((0, cut.len())));
        let root = u.tree(&mut tr, &padded, &UdpCtx::default());
        tr.set_clip(None);
        assert_eq!(tr.node(root).map(|n| (n.off, n.len)), Some((20, 4)));
        let names: Vec<&str> = tr.iter().map(|(_, n)| n.name).collect();
        assert_eq!(names, vec!["udp", "udp.srcport", "udp.dstport", "udp.port", "udp.port"]);
    }
}
