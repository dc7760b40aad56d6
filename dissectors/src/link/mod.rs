//! Link layers: Ethernet II / IEEE 802.3 with 802.1Q / 802.1ad tags and
//! 802.2 LLC / SNAP, Linux cooked capture (SLL v1 and v2), BSD null /
//! OpenBSD loopback, and raw IP; plus ARP (in [`arp`]).
//!
//! [`parse_link`] never fails: what parsed is in [`Link::kind`], the problem
//! (a header cut short, too many tags...) in [`Link::error`]. Fields of a
//! header that was cut short are parsed from zero padding, and
//! [`Link::tree`] only adds the fields whose bytes were captured, so the tree
//! shows exactly what the frame holds.

pub mod arp;
pub mod ethernet;
pub mod null;
pub mod other;
pub mod sll;

use std::fmt::Write as _;

use nom::bytes::complete::take;
use nom::number::complete::{be_u16, be_u32, be_u8, le_u16};
use nom::Parser;

use crate::error::{DissectError, ErrorKind, Severity};
use crate::tree::{Base, NodeId, Tree, Value, SKIPPED};

pub use ethernet::{Ethernet, Llc, Vlan};
pub use null::Null;
pub use sll::{Sll, Sll2};

/// pcap / pcapng link-layer header types (LINKTYPE_* values).
pub mod linktype {
    pub const NULL: u32 = 0;
    pub const ETHERNET: u32 = 1;
    pub const RAW: u32 = 101;
    pub const LOOP: u32 = 108;
    pub const LINUX_SLL: u32 = 113;
    pub const IPV4: u32 = 228;
    pub const IPV6: u32 = 229;
    pub const LINUX_SLL2: u32 = 276;
    /// DLT_RAW as some systems wrote it into files (12, or 14 on OpenBSD);
    /// dissected like [`RAW`].
    pub const RAW_DLT12: u32 = 12;
    pub const RAW_DLT14: u32 = 14;
    pub const ARCNET_BSD: u32 = 7;
    pub const PPP: u32 = 9;
    pub const FDDI: u32 = 10;
    pub const PPP_HDLC: u32 = 50;
    pub const C_HDLC: u32 = 104;
    pub const FRELAY: u32 = 107;
    pub const ARCNET_LINUX: u32 = 129;
    pub const IPNET: u32 = 226;
    pub const NFLOG: u32 = 239;
    pub const IPOIB: u32 = 242;
    pub const PKTAP: u32 = 258;
    /// LINKTYPE_USER2: Darwin's DLT_PKTAP.
    pub const USER2: u32 = 149;

    /// A short name for the link type.
    pub fn name(lt: u32) -> &'static str {
        match lt {
            NULL => "BSD loopback",
            ETHERNET => "Ethernet",
            RAW | RAW_DLT12 | RAW_DLT14 => "Raw IP",
            LOOP => "OpenBSD loopback",
            LINUX_SLL => "Linux cooked v1",
            IPV4 => "Raw IPv4",
            IPV6 => "Raw IPv6",
            LINUX_SLL2 => "Linux cooked v2",
            ARCNET_BSD => "ARCNET",
            PPP => "PPP",
            FDDI => "FDDI",
            PPP_HDLC => "PPP in HDLC-like framing",
            C_HDLC => "Cisco HDLC",
            FRELAY => "Frame Relay",
            ARCNET_LINUX => "ARCNET (Linux)",
            IPNET => "Solaris ipnet",
            NFLOG => "Linux NFLOG",
            IPOIB => "IP over InfiniBand",
            PKTAP => "Apple PKTAP",
            USER2 => "User 2 (Darwin PKTAP)",
            _ => "unknown",
        }
    }
}

/// What the link layer carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    Ipv4,
    Ipv6,
    Arp,
    /// Another ethertype, not dissected further.
    Ethertype(u16),
    /// Nothing the next layers dissect (LLC without SNAP, STP, an unknown
    /// family, a header cut short...).
    Nothing,
}

/// The link-layer headers of a frame.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkKind {
    Ethernet {
        eth: Ethernet,
        vlans: Vec<Vlan>,
        llc: Option<Llc>,
    },
    Sll(Sll),
    Sll2(Sll2),
    Null(Null),
    /// Raw IP (LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6): no link header.
    Raw,
    Ppp(crate::tunnel::Ppp),
    Chdlc(other::Chdlc),
    Fr(other::Fr),
    Nflog(other::Nflog),
    Ipoib(other::Ipoib),
    Ipnet(other::Ipnet),
    Fddi(other::Fddi, Option<Llc>),
    Arcnet(other::Arcnet),
    Pktap(other::Pktap),
    Unknown(u32),
}

/// The result of [`parse_link`].
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub kind: LinkKind,
    pub next: Next,
    /// Offset of the next layer's first byte (after tags, LLC and SNAP).
    pub payload_off: usize,
    pub error: Option<DissectError>,
    /// The link type the frame was parsed with.
    pub linktype: u32,
}

/// The next layer for an ethertype.
pub fn ethertype_next(t: u16) -> Next {
    match t {
        0x0800 => Next::Ipv4,
        0x86dd => Next::Ipv6,
        0x0806 => Next::Arp,
        _ => Next::Ethertype(t),
    }
}

/// Parses the link-layer header(s) of a frame of the given LINKTYPE.
/// Never fails: see [`Link::error`].
pub fn parse_link(linktype: u32, data: &[u8]) -> Link {
    let mut link = match linktype {
        linktype::ETHERNET => ethernet::parse_link(data),
        linktype::LINUX_SLL => sll::parse_link_v1(data),
        linktype::LINUX_SLL2 => sll::parse_link_v2(data),
        linktype::NULL => null::parse_link(data, false),
        linktype::LOOP => null::parse_link(data, true),
        linktype::RAW | linktype::RAW_DLT12 | linktype::RAW_DLT14 => parse_raw(data, None),
        linktype::IPV4 => parse_raw(data, Some(4)),
        linktype::IPV6 => parse_raw(data, Some(6)),
        linktype::PPP => other::parse_ppp(data, false),
        linktype::PPP_HDLC => other::parse_ppp(data, true),
        linktype::C_HDLC => other::parse_chdlc(data),
        linktype::FRELAY => other::parse_fr(data),
        linktype::NFLOG => other::parse_nflog(data),
        linktype::IPOIB => other::parse_ipoib(data),
        linktype::IPNET => other::parse_ipnet(data),
        linktype::FDDI => other::parse_fddi(data),
        linktype::ARCNET_LINUX => other::parse_arcnet(data, true),
        linktype::ARCNET_BSD => other::parse_arcnet(data, false),
        linktype::PKTAP => other::parse_pktap(data),
        linktype::USER2 => other::parse_user2(data).unwrap_or(Link {
            kind: LinkKind::Unknown(linktype),
            next: Next::Nothing,
            payload_off: 0,
            error: None,
            linktype,
        }),
        other => Link {
            kind: LinkKind::Unknown(other),
            next: Next::Nothing,
            payload_off: 0,
            error: None,
            linktype: other,
        },
    };
    link.linktype = linktype;
    link
}

const RAW_LAYER: &str = "Raw IP";

fn parse_raw(data: &[u8], expect: Option<u8>) -> Link {
    let mut link = Link {
        kind: LinkKind::Raw,
        next: Next::Nothing,
        payload_off: 0,
        error: None,
        linktype: 0,
    };
    let Some(first) = data.first() else {
        link.error = Some(DissectError::truncated(RAW_LAYER, 0, 1, 0));
        return link;
    };
    let version = first >> 4;
    link.next = match (version, expect) {
        (4, _) => Next::Ipv4,
        (6, _) => Next::Ipv6,
        // A bogus version in a LINKTYPE_IPV4/IPV6 file: hand it to the IP
        // dissector of the link type, which reports the version.
        (_, Some(6)) => Next::Ipv6,
        (_, Some(_)) => Next::Ipv4,
        (_, None) => Next::Nothing,
    };
    if let Some(want) = expect {
        if version != want {
            link.error = Some(DissectError::malformed(
                RAW_LAYER,
                if want == 4 {
                    "IP version is not 4 in a LINKTYPE_IPV4 capture"
                } else {
                    "IP version is not 6 in a LINKTYPE_IPV6 capture"
                },
                0,
            ));
        }
    }
    link
}

impl Link {
    /// Adds one root node per protocol (eth, vlan / ieee8021ad for each tag,
    /// llc, sll, null, raw) with all their fields, only the fields whose bytes
    /// are in `data`. Returns the id of the Ethernet root if any (the caller
    /// appends eth.padding / eth.trailer under it). Expert items that belong
    /// to the link layer itself (too many tags, invalid length/type, a length
    /// past the end, a group source address, an IP version that does not match
    /// LINKTYPE_IPV4/IPV6) are added here; truncation in [`Link::error`] is
    /// left to the caller.
    pub fn tree(&self, t: &mut Tree, data: &[u8]) -> Option<NodeId> {
        let mut e = Emit::new(t, data);
        match &self.kind {
            LinkKind::Ethernet { eth, vlans, llc } => {
                let root = ethernet::tree(&mut e, data, eth, vlans, llc.as_ref(), self);
                Some(root).filter(|&r| r != SKIPPED)
            }
            LinkKind::Sll(s) => {
                s.tree(&mut e);
                if let Some(l) = &s.llc {
                    l.tree(&mut e);
                }
                None
            }
            LinkKind::Sll2(s) => {
                s.tree(&mut e);
                if let Some(l) = &s.llc {
                    l.tree(&mut e);
                }
                None
            }
            LinkKind::Null(n) => {
                n.tree(&mut e);
                None
            }
            LinkKind::Raw => {
                if !matches!(self.linktype, linktype::IPV4 | linktype::IPV6) {
                    e.root("raw", "Raw packet data", 0, data.len());
                }
                if let Some(err) = &self.error {
                    if let ErrorKind::Malformed(what) = err.kind {
                        let id = e.t.text(None, "_ws.expert", format!("Error: {what}"), 0, 0);
                        e.t.set_expert(id, Severity::Error, "_ws.malformed", what);
                        e.t.set_generated(id);
                    }
                }
                None
            }
            LinkKind::Ppp(p) => {
                p.tree(&mut e);
                None
            }
            LinkKind::Chdlc(c) => {
                c.tree(&mut e);
                None
            }
            LinkKind::Fr(f) => {
                f.tree(&mut e);
                None
            }
            LinkKind::Nflog(n) => {
                n.tree(&mut e, data);
                None
            }
            LinkKind::Ipoib(i) => {
                i.tree(&mut e);
                None
            }
            LinkKind::Ipnet(i) => {
                i.tree(&mut e);
                None
            }
            LinkKind::Fddi(f, llc) => {
                f.tree(&mut e);
                if let Some(l) = llc {
                    l.tree(&mut e);
                }
                None
            }
            LinkKind::Arcnet(a) => {
                a.tree(&mut e);
                None
            }
            LinkKind::Pktap(p) => {
                p.tree(&mut e);
                None
            }
            LinkKind::Unknown(lt) => {
                let root = e.root(
                    "data",
                    format!("Unknown link type {lt}: shown as raw data"),
                    0,
                    data.len(),
                );
                e.bytes(root, "data.data", "Data", data, 0, data.len());
                let l =
                    e.t.add(Some(root), "data.len", "Length", Value::UInt(data.len() as u64), 0, 0);
                e.t.set_generated(l);
                None
            }
        }
    }

    /// The source MAC address: Ethernet source, or the SLL source when it is
    /// 6 bytes long. None when it was not captured.
    pub fn src_mac(&self) -> Option<[u8; 6]> {
        match &self.kind {
            LinkKind::Ethernet { eth, .. } => {
                (self.captured_from_zero() >= eth.off.saturating_add(12)).then_some(eth.src)
            }
            LinkKind::Sll(s) => s.mac().filter(|_| self.captured_from_zero() >= 12),
            LinkKind::Sll2(s) => s.mac().filter(|_| self.captured_from_zero() >= 18),
            _ => None,
        }
    }

    /// The Ethernet destination MAC address, when captured.
    pub fn dst_mac(&self) -> Option<[u8; 6]> {
        match &self.kind {
            LinkKind::Ethernet { eth, .. } => {
                (self.captured_from_zero() >= eth.off.saturating_add(6)).then_some(eth.dst)
            }
            _ => None,
        }
    }

    /// The outermost tag's VLAN ID (part of the flow key).
    pub fn vlan_id(&self) -> Option<u16> {
        match &self.kind {
            LinkKind::Ethernet { vlans, .. } => vlans.first().map(|v| v.id),
            _ => None,
        }
    }

    /// Wireshark's protocol names of the link layers, in order, for
    /// `frame.protocols` ("eth", "ethertype", "vlan", "llc", "sll", "null"...).
    /// The caller appends the names of the layers it dissects next.
    pub fn protocols(&self) -> Vec<&'static str> {
        let mut p = Vec::new();
        match &self.kind {
            LinkKind::Ethernet { eth, vlans, llc } => {
                p.push("eth");
                if eth.type_or_len >= 1536 {
                    p.push("ethertype");
                }
                for v in vlans {
                    p.push(v.proto_name());
                    if v.tpid == ethernet::TPID_8021AD || v.etype > 1500 {
                        p.push("ethertype");
                    }
                }
                if self.too_many_tags() {
                    p.push("vlan");
                }
                if llc.is_some() {
                    p.push("llc");
                }
            }
            LinkKind::Sll(s) => {
                p.push("sll");
                sll::push_protocols(&mut p, s.hatype, s.protocol, s.llc.is_some());
            }
            LinkKind::Sll2(s) => {
                p.push("sll");
                sll::push_protocols(&mut p, s.hatype, s.protocol, s.llc.is_some());
            }
            LinkKind::Null(n) => {
                p.push("null");
                if n.ppp_hdlc {
                    p.push("ppp");
                }
            }
            LinkKind::Raw => {
                if !matches!(self.linktype, linktype::IPV4 | linktype::IPV6) {
                    p.push("raw");
                }
            }
            LinkKind::Ppp(pp) => {
                p.push("ppp");
                if let Some(c) = pp.control_proto() {
                    p.push(c);
                }
            }
            LinkKind::Chdlc(c) => {
                p.push("chdlc");
                if let Some(n) = c.protocol_name() {
                    p.push(n);
                }
            }
            LinkKind::Fr(_) => p.push("fr"),
            LinkKind::Nflog(_) => p.push("nflog"),
            LinkKind::Ipoib(_) => p.push("ipoib"),
            LinkKind::Ipnet(_) => p.push("ipnet"),
            LinkKind::Fddi(_, llc) => {
                p.push("fddi");
                if llc.is_some() {
                    p.push("llc");
                }
            }
            LinkKind::Arcnet(_) => p.push("arcnet"),
            LinkKind::Pktap(pk) => {
                if pk.user_dlt {
                    p.push("user_dlt");
                }
                p.push("pktap");
                if self.next == other::NEXT_ETHERNET {
                    p.push("pcap_pktdata");
                }
            }
            LinkKind::Unknown(_) => p.push("data"),
        }
        p
    }

    /// Where a length field (802.3 `eth.len`, `vlan.len`) says the payload
    /// ends: bytes from there on are padding or trailer. None for
    /// Ethernet II and the other link types.
    pub fn length_end(&self) -> Option<usize> {
        let LinkKind::Ethernet { eth, vlans, .. } = &self.kind else {
            return None;
        };
        match vlans.last() {
            Some(v) if v.tpid != ethernet::TPID_8021AD && v.etype <= 1500 => {
                v.off.checked_add(ethernet::VLAN_LEN)?.checked_add(usize::from(v.etype))
            }
            Some(_) => None,
            None if eth.type_or_len <= 1500 => eth
                .off
                .checked_add(ethernet::ETH_LEN)?
                .checked_add(usize::from(eth.type_or_len)),
            None => None,
        }
    }

    /// True when more tags were stacked than the dissector follows
    /// ([`ethernet::MAX_VLAN_TAGS`]).
    pub fn too_many_tags(&self) -> bool {
        matches!(
            self.error,
            Some(DissectError {
                kind: ErrorKind::Malformed(ethernet::TOO_MANY_TAGS),
                ..
            })
        )
    }

    /// How many bytes from offset 0 are known to be captured, from the error
    /// (usize::MAX when the headers were complete).
    fn captured_from_zero(&self) -> usize {
        match self.error {
            Some(DissectError {
                kind: ErrorKind::Truncated,
                offset,
                have,
                ..
            }) => offset.saturating_add(have),
            _ => usize::MAX,
        }
    }
}

/// Wireshark's name of an ethertype ("IPv4", "ARP", "802.1Q Virtual LAN"...).
pub fn ethertype_name(t: u16) -> Option<&'static str> {
    ethertype_names::name(t)
}

mod ethertype_names;

// ---------------------------------------------------------------------------
// Shared helpers for the link dissectors.

pub(crate) type PErr<'a> = nom::error::Error<&'a [u8]>;
pub(crate) type PResult<'a, T> = nom::IResult<&'a [u8], T, PErr<'a>>;

pub(crate) fn u8_(i: &[u8]) -> PResult<'_, u8> {
    be_u8(i)
}
pub(crate) fn u16_(i: &[u8]) -> PResult<'_, u16> {
    be_u16(i)
}
pub(crate) fn u32_(i: &[u8]) -> PResult<'_, u32> {
    be_u32(i)
}
pub(crate) fn le16_(i: &[u8]) -> PResult<'_, u16> {
    le_u16(i)
}
pub(crate) fn mac_(i: &[u8]) -> PResult<'_, [u8; 6]> {
    take(6usize).map_res(<[u8; 6]>::try_from).parse(i)
}
pub(crate) fn addr8_(i: &[u8]) -> PResult<'_, [u8; 8]> {
    take(8usize).map_res(<[u8; 8]>::try_from).parse(i)
}

/// The bytes from `off` on (empty past the end).
pub(crate) fn rest(data: &[u8], off: usize) -> &[u8] {
    data.get(off..).unwrap_or(&[])
}

/// A copy of `data` zero-padded to at least `off + need` bytes, for parsing
/// the fields of a header that was cut short.
pub(crate) fn padded(data: &[u8], off: usize, need: usize) -> Vec<u8> {
    let mut v = data.to_vec();
    let want = off.saturating_add(need).min(data.len().saturating_add(64 * 1024));
    if v.len() < want {
        v.resize(want, 0);
    }
    v
}

/// `name (0x1234)` or `Unknown (0x1234)`.
pub(crate) fn named_hex4(name: Option<&str>, v: u16) -> String {
    format!("{} (0x{v:04x})", name.unwrap_or("Unknown"))
}

/// Bytes as Wireshark shows them in the tree and the Info column: lowercase
/// hex without separators, at most 36 bytes, then an ellipsis.
pub(crate) fn bytes_text(b: &[u8]) -> String {
    const MAX: usize = 36;
    let mut s = String::with_capacity(b.len().min(MAX) * 2 + 3);
    for x in b.iter().take(MAX) {
        let _ = write!(s, "{x:02x}");
    }
    if b.len() > MAX {
        s.push('…');
    }
    s
}

/// `aa:bb:cc:dd:ee:ff`.
pub(crate) fn mac_text(m: &[u8; 6]) -> String {
    let mut s = String::with_capacity(17);
    crate::tree::write_mac(&mut s, m);
    s
}

/// Adds nodes to a tree, skipping those whose bytes are not all in the data
/// (so a header cut short shows exactly its captured fields). Protocol roots
/// are added with length 0 and then resized, so that a clip set by the caller
/// never drops a whole protocol whose first bytes were captured.
pub(crate) struct Emit<'t> {
    pub t: &'t mut Tree,
    pub lim: usize,
}

impl<'t> Emit<'t> {
    pub fn new(t: &'t mut Tree, data: &[u8]) -> Self {
        Emit { t, lim: data.len() }
    }

    pub fn fits(&self, off: usize, len: usize) -> bool {
        off.checked_add(len).is_some_and(|end| end <= self.lim)
    }

    /// A protocol root whose span is clamped to the data.
    pub fn root(&mut self, name: &'static str, text: impl Into<Box<str>>, off: usize, len: usize) -> NodeId {
        if off > self.lim {
            return SKIPPED;
        }
        let id = self.t.text(None, name, text, off, 0);
        self.t.set_len(id, len.min(self.lim.saturating_sub(off)));
        id
    }

    pub fn add(
        &mut self,
        parent: NodeId,
        name: &'static str,
        label: &'static str,
        v: Value,
        off: usize,
        len: usize,
    ) -> NodeId {
        if !self.fits(off, len) {
            return SKIPPED;
        }
        self.t.add(Some(parent), name, label, v, off, len)
    }

    /// A value with its rendering replaced by `text`.
    #[allow(clippy::too_many_arguments)]
    pub fn with_text(
        &mut self,
        parent: NodeId,
        name: &'static str,
        label: &'static str,
        v: Value,
        off: usize,
        len: usize,
        text: impl Into<Box<str>>,
    ) -> NodeId {
        let id = self.add(parent, name, label, v, off, len);
        if id != SKIPPED {
            self.t.set_text(id, text);
        }
        id
    }

    pub fn uint(
        &mut self,
        parent: NodeId,
        name: &'static str,
        label: &'static str,
        v: u64,
        off: usize,
        len: usize,
    ) -> NodeId {
        self.add(parent, name, label, Value::UInt(v), off, len)
    }

    /// An integer Wireshark shows in hex (its value rendering may still be
    /// replaced by `text`).
    #[allow(clippy::too_many_arguments)]
    pub fn hex(
        &mut self,
        parent: NodeId,
        name: &'static str,
        label: &'static str,
        v: u64,
        digits: u8,
        off: usize,
        len: usize,
        text: Option<String>,
    ) -> NodeId {
        let id = self.add(parent, name, label, Value::UInt(v), off, len);
        if id != SKIPPED {
            self.t.set_base(id, Base::Hex(digits));
            if let Some(text) = text {
                self.t.set_text(id, text);
            }
        }
        id
    }

    /// A bit field of a `bits`-wide integer; `v` already shifted down.
    #[allow(clippy::too_many_arguments)]
    pub fn bits(
        &mut self,
        parent: NodeId,
        name: &'static str,
        label: &'static str,
        v: Value,
        bits: u8,
        mask: u64,
        off: usize,
        len: usize,
        text: Option<String>,
    ) -> NodeId {
        if !self.fits(off, len) {
            return SKIPPED;
        }
        let id = self.t.bits(parent, name, label, v, bits, mask, off, len);
        if let Some(text) = text {
            self.t.set_text(id, text);
        }
        id
    }

    /// Bytes of the span, shown like Wireshark (hex, no separators, cut at
    /// 36 bytes); `data` is the data source the span points into.
    pub fn bytes(
        &mut self,
        parent: NodeId,
        name: &'static str,
        label: &'static str,
        data: &[u8],
        off: usize,
        len: usize,
    ) -> NodeId {
        let id = self.add(parent, name, label, Value::Bytes, off, len);
        if id != SKIPPED {
            let b = off.checked_add(len).and_then(|end| data.get(off..end)).unwrap_or(&[]);
            self.t.set_text(id, bytes_text(b));
        }
        id
    }

    /// A generated boolean (`[Is gratuitous: True]`), zero length at `off`.
    pub fn generated_bool(
        &mut self,
        parent: NodeId,
        name: &'static str,
        label: &'static str,
        v: bool,
        off: usize,
    ) -> NodeId {
        let id = self.add(parent, name, label, Value::Bool(v), off, 0);
        self.t.set_generated(id);
        id
    }

    /// An expert item under `parent`, zero length at `off`.
    pub fn expert(
        &mut self,
        parent: NodeId,
        sev: Severity,
        code: &'static str,
        msg: impl Into<String>,
        off: usize,
    ) -> NodeId {
        if parent == SKIPPED || !self.fits(off, 0) {
            return SKIPPED;
        }
        self.t.expert(parent, sev, code, msg, off, 0)
    }

    pub fn hidden(&mut self, id: NodeId) {
        self.t.set_hidden(id);
    }
}

#[cfg(test)]
mod tests;
