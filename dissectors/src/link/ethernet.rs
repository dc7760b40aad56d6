//! Ethernet II and IEEE 802.3 frames, 802.1Q / 802.1ad / 0x9100 tags, and
//! 802.2 LLC with SNAP.

use crate::error::{need, DissectError, Severity};
use crate::tree::{Base, NodeId, Value, SKIPPED};
use crate::util::be16;

use nom::Parser;

use super::{
    ethertype_name, ethertype_next, le16_, mac_, named_hex4, padded, rest, u16_, u8_, Emit, Link, LinkKind, Next,
};

/// Length of the Ethernet header (destination, source, type or length).
pub const ETH_LEN: usize = 14;
/// Length of a VLAN tag after its TPID (TCI and the next type or length).
pub const VLAN_LEN: usize = 4;
/// How many stacked tags are followed; more are flagged (like Wireshark).
pub const MAX_VLAN_TAGS: usize = 20;
pub const TPID_8021Q: u16 = 0x8100;
pub const TPID_8021AD: u16 = 0x88a8;
/// The old, non-standard QinQ TPID.
pub const TPID_QINQ_OLD: u16 = 0x9100;
/// The ethertype IPX gets when an 802.3 frame carries raw Novell IPX (no LLC).
pub const ETHERTYPE_IPX: u16 = 0x8137;

pub(crate) const TOO_MANY_TAGS: &str = "too many nested VLAN tags";
const LAYER: &str = "Ethernet";
const VLAN_LAYER: &str = "VLAN";
const LLC_LAYER: &str = "LLC";

/// The Ethernet header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ethernet {
    pub dst: [u8; 6],
    pub src: [u8; 6],
    /// An ethertype (>= 1536), an 802.3 length (<= 1500), or invalid in between.
    pub type_or_len: u16,
    pub off: usize,
}

impl Ethernet {
    /// An IEEE 802.3 frame: the field is a length.
    pub fn is_8023(&self) -> bool {
        self.type_or_len <= 1500
    }
}

/// One 802.1Q / 802.1ad tag: its TPID (the type field before it), the TCI
/// fields, and the type or length that follows. `off` is where the TCI starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vlan {
    pub tpid: u16,
    pub pcp: u8,
    pub dei: bool,
    pub id: u16,
    pub etype: u16,
    pub off: usize,
}

impl Vlan {
    /// Wireshark's protocol for the tag: `ieee8021ad` for 0x88a8, else `vlan`.
    pub fn proto_name(&self) -> &'static str {
        if self.tpid == TPID_8021AD {
            "ieee8021ad"
        } else {
            "vlan"
        }
    }
}

/// An 802.2 LLC header, with the SNAP extension when DSAP and SSAP are 0xaa.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Llc {
    pub dsap: u8,
    pub ssap: u8,
    /// One byte for U frames, two (read little-endian, as the bytes come) for I and S frames.
    pub control: u16,
    /// (OUI, protocol ID).
    pub snap: Option<(u32, u16)>,
    pub off: usize,
    /// Header length: 3 or 4, plus 5 with SNAP.
    pub len: usize,
}

/// LLC frame formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LlcFrame {
    Information,
    Supervisory,
    Unnumbered,
}

impl Llc {
    pub fn frame(&self) -> LlcFrame {
        if self.control & 1 == 0 {
            LlcFrame::Information
        } else if self.control & 3 == 1 {
            LlcFrame::Supervisory
        } else {
            LlcFrame::Unnumbered
        }
    }

    /// An I frame or a UI frame without the poll/final bit: the frames whose
    /// payload is dissected (as Wireshark decides).
    pub fn carries_data(&self) -> bool {
        self.frame() == LlcFrame::Information || self.control == 0x03
    }

    fn is_response(&self) -> bool {
        self.ssap & 1 == 1
    }

    /// What the payload is: SNAP with OUI 00:00:00 or 00:00:f8 carries an
    /// ethertype; the SAP 0x06 carries IPv4.
    pub fn next(&self) -> Next {
        if !self.carries_data() {
            return Next::Nothing;
        }
        match self.snap {
            Some((0 | 0xf8, pid)) => ethertype_next(pid),
            Some(_) => Next::Nothing,
            None if self.dsap == 0x06 => Next::Ipv4,
            None => Next::Nothing,
        }
    }
}

/// Parses the 14-byte Ethernet header at `off`.
pub fn parse(data: &[u8], off: usize) -> Result<Ethernet, DissectError> {
    need(LAYER, data, off, ETH_LEN)?;
    let (_, (dst, src, type_or_len)) = (mac_, mac_, u16_)
        .parse(rest(data, off))
        .map_err(|_| trunc(LAYER, data, off, ETH_LEN))?;
    Ok(Ethernet {
        dst,
        src,
        type_or_len,
        off,
    })
}

/// True for the TPIDs that start a tag: 0x8100, 0x88a8 and 0x9100.
pub fn is_tag_tpid(t: u16) -> bool {
    matches!(t, TPID_8021Q | TPID_8021AD | TPID_QINQ_OLD)
}

/// Parses a tag whose TCI starts at `off`; `tpid` is the type that announced it.
pub fn parse_vlan(data: &[u8], off: usize, tpid: u16) -> Result<Vlan, DissectError> {
    need(VLAN_LAYER, data, off, VLAN_LEN)?;
    let (_, (tci, etype)) = (u16_, u16_)
        .parse(rest(data, off))
        .map_err(|_| trunc(VLAN_LAYER, data, off, VLAN_LEN))?;
    Ok(Vlan {
        tpid,
        pcp: u8::try_from(tci >> 13).unwrap_or(0),
        dei: tci & 0x1000 != 0,
        id: tci & 0x0fff,
        etype,
        off,
    })
}

/// Parses an LLC header (and its SNAP extension) at `off`.
pub fn parse_llc(data: &[u8], off: usize) -> Result<Llc, DissectError> {
    need(LLC_LAYER, data, off, 3)?;
    let input = rest(data, off);
    let (_, (dsap, ssap, c0)) = (u8_, u8_, u8_)
        .parse(input)
        .map_err(|_| trunc(LLC_LAYER, data, off, 3))?;
    let ctl_len = if c0 & 3 == 3 { 1 } else { 2 };
    let snap = dsap == 0xaa && ssap == 0xaa;
    let len = 2 + ctl_len + if snap { 5 } else { 0 };
    need(LLC_LAYER, data, off, len)?;
    let after_saps = input.get(2..).unwrap_or(&[]);
    let (after_ctl, control) = if ctl_len == 1 {
        u8_(after_saps).map(|(i, c)| (i, u16::from(c)))
    } else {
        le16_(after_saps)
    }
    .map_err(|_| trunc(LLC_LAYER, data, off, len))?;
    let snap = if snap {
        let (_, (o1, o2, o3, pid)) = (u8_, u8_, u8_, u16_)
            .parse(after_ctl)
            .map_err(|_| trunc(LLC_LAYER, data, off, len))?;
        Some((u32::from_be_bytes([0, o1, o2, o3]), pid))
    } else {
        None
    };
    Ok(Llc {
        dsap,
        ssap,
        control,
        snap,
        off,
        len,
    })
}

fn trunc(layer: &'static str, data: &[u8], off: usize, n: usize) -> DissectError {
    DissectError::truncated(layer, off, n, data.len().saturating_sub(off))
}

/// Ethernet, its tags and LLC, as [`super::parse_link`] returns them.
pub(crate) fn parse_link(data: &[u8]) -> Link {
    parse_link_at(data, 0)
}

/// An Ethernet frame that starts at `base` (inside a tunnel): its header,
/// tags and LLC, with frame offsets.
pub fn parse_link_at(data: &[u8], base: usize) -> Link {
    let mut link = Link {
        kind: LinkKind::Ethernet {
            eth: Ethernet::default(),
            vlans: Vec::new(),
            llc: None,
        },
        next: Next::Nothing,
        payload_off: data.len(),
        error: None,
        linktype: super::linktype::ETHERNET,
    };
    let eth = match parse(data, base) {
        Ok(eth) => eth,
        Err(err) => {
            let eth = parse(&padded(data, base, ETH_LEN), base).unwrap_or_default();
            link.kind = LinkKind::Ethernet {
                eth,
                vlans: Vec::new(),
                llc: None,
            };
            link.error = Some(err);
            return link;
        }
    };
    let mut vlans: Vec<Vlan> = Vec::new();
    let mut llc = None;
    let mut off = base.saturating_add(ETH_LEN);
    let mut etype = eth.type_or_len;
    let (next, payload_off, error) = 'chain: {
        if etype <= 1500 {
            break 'chain length_payload(data, off, &mut llc);
        }
        if etype < 1536 {
            break 'chain (Next::Nothing, off, None);
        }
        loop {
            if !is_tag_tpid(etype) {
                break 'chain (ethertype_next(etype), off, None);
            }
            if vlans.len() >= MAX_VLAN_TAGS {
                break 'chain (
                    Next::Nothing,
                    off,
                    Some(DissectError::malformed(VLAN_LAYER, TOO_MANY_TAGS, off)),
                );
            }
            match parse_vlan(data, off, etype) {
                Ok(v) => {
                    vlans.push(v);
                    off = off.saturating_add(VLAN_LEN);
                    etype = v.etype;
                    // An 802.1ad tag hands its type to the ethertype table
                    // even when it looks like a length (Wireshark does so).
                    if v.tpid != TPID_8021AD && etype <= 1500 {
                        break 'chain length_payload(data, off, &mut llc);
                    }
                }
                Err(err) => break 'chain (Next::Nothing, data.len(), Some(err)),
            }
        }
    };
    link.kind = LinkKind::Ethernet { eth, vlans, llc };
    link.next = next;
    link.payload_off = payload_off;
    link.error = error;
    link
}

/// The payload of a length field: raw Novell IPX when it starts with 0xffff,
/// else LLC.
fn length_payload(data: &[u8], off: usize, llc: &mut Option<Llc>) -> (Next, usize, Option<DissectError>) {
    if be16(data, off) == Some(0xffff) {
        return (Next::Ethertype(ETHERTYPE_IPX), off, None);
    }
    match parse_llc(data, off) {
        Ok(l) => {
            *llc = Some(l);
            (l.next(), off.saturating_add(l.len), None)
        }
        Err(err) => {
            *llc = parse_llc(&padded(data, off, 9), off).ok();
            (Next::Nothing, data.len(), Some(err))
        }
    }
}

// ---------------------------------------------------------------------------
// Tree

pub(crate) fn tree(
    e: &mut Emit<'_>,
    data: &[u8],
    eth: &Ethernet,
    vlans: &[Vlan],
    llc: Option<&Llc>,
    link: &Link,
) -> NodeId {
    let o = eth.off;
    let t = eth.type_or_len;
    let src = super::mac_text(&eth.src);
    let dst = super::mac_text(&eth.dst);
    let text = if data.len() < o.saturating_add(ETH_LEN) {
        // Cut short: the addresses and type may not have been captured.
        "Ethernet".to_string()
    } else if t <= 1500 {
        if llc.is_none() && link.next == Next::Ethertype(ETHERTYPE_IPX) && vlans.is_empty() {
            "IEEE 802.3 Ethernet Raw ".to_string()
        } else {
            "IEEE 802.3 Ethernet ".to_string()
        }
    } else if t < 1536 {
        format!("Ethernet Unknown, Src: {src}, Dst: {dst}")
    } else {
        format!("Ethernet II, Src: {src}, Dst: {dst}")
    };
    let root = e.root("eth", text, o, ETH_LEN);
    mac_fields(e, root, true, &eth.dst, o);
    mac_fields(e, root, false, &eth.src, o.saturating_add(6));
    let to = o.saturating_add(12);
    if t <= 1500 {
        let id = e.uint(root, "eth.len", "Length", u64::from(t), to, 2);
        let payload = data.len().saturating_sub(o.saturating_add(ETH_LEN));
        if usize::from(t) > payload {
            e.expert(
                id,
                Severity::Error,
                "eth.len.past_end",
                "Length field value goes past the end of the payload",
                to,
            );
        }
    } else if t < 1536 {
        let msg = format!("Invalid length/type: 0x{t:04x} ({t})");
        let id = e.hex(
            root,
            "eth.invalid_lentype",
            "Invalid length/type",
            u64::from(t),
            4,
            to,
            2,
            Some(format!("0x{t:04x} ({t})")),
        );
        e.expert(id, Severity::Warning, "eth.invalid_lentype.expert", msg, to);
    } else {
        e.hex(
            root,
            "eth.type",
            "Type",
            u64::from(t),
            4,
            to,
            2,
            Some(named_hex4(ethertype_name(t), t)),
        );
    }
    for v in vlans {
        vlan_tree(e, data, v);
    }
    if link.too_many_tags() {
        if let Some(err) = &link.error {
            let r = e.root("vlan", "802.1Q Virtual LAN", err.offset, VLAN_LEN);
            e.expert(
                r,
                Severity::Warning,
                "vlan.too_many_tags",
                "Too many nested VLAN tags",
                err.offset,
            );
        }
    }
    if let Some(l) = llc {
        l.tree(e);
    }
    root
}

fn mac_fields(e: &mut Emit<'_>, root: NodeId, dst: bool, mac: &[u8; 6], off: usize) {
    let (name, label) = if dst {
        ("eth.dst", "Destination")
    } else {
        ("eth.src", "Source")
    };
    let id = e.add(root, name, label, Value::Mac(*mac), off, 6);
    if id == SKIPPED {
        return;
    }
    let group = mac[0] & 1 == 1;
    let local = mac[0] & 2 == 2;
    if !dst && group {
        e.expert(
            id,
            Severity::Warning,
            "eth.src_not_group",
            "Source MAC must not be a group address: IEEE 802.3-2002, Section 3.2.3(b)",
            off,
        );
    }
    let oui = u64::from(u32::from_be_bytes([0, mac[0], mac[1], mac[2]]));
    let oui_text = format!("{:02x}:{:02x}:{:02x}", mac[0], mac[1], mac[2]);
    let (oui_name, oui_label) = if dst {
        ("eth.dst.oui", "Destination OUI")
    } else {
        ("eth.src.oui", "Source OUI")
    };
    let h = e.with_text(id, oui_name, oui_label, Value::UInt(oui), off, 3, oui_text.clone());
    e.hidden(h);
    e.add(id, "eth.addr", "Address", Value::Mac(*mac), off, 6);
    let h = e.with_text(id, "eth.addr.oui", "Address OUI", Value::UInt(oui), off, 3, oui_text);
    e.hidden(h);
    let lg_text = if local {
        "Locally administered address (this is NOT the factory default)"
    } else {
        "Globally unique address (factory default)"
    };
    let ig_text = if group {
        "Group address (multicast/broadcast)"
    } else {
        "Individual address (unicast)"
    };
    let (lg, ig) = if dst {
        ("eth.dst.lg", "eth.dst.ig")
    } else {
        ("eth.src.lg", "eth.src.ig")
    };
    e.bits(
        id,
        lg,
        "LG bit",
        Value::Bool(local),
        24,
        0x02_0000,
        off,
        3,
        Some(lg_text.into()),
    );
    let h = e.bits(
        id,
        "eth.lg",
        "LG bit",
        Value::Bool(local),
        24,
        0x02_0000,
        off,
        3,
        Some(lg_text.into()),
    );
    e.hidden(h);
    e.bits(
        id,
        ig,
        "IG bit",
        Value::Bool(group),
        24,
        0x01_0000,
        off,
        3,
        Some(ig_text.into()),
    );
    let h = e.bits(
        id,
        "eth.ig",
        "IG bit",
        Value::Bool(group),
        24,
        0x01_0000,
        off,
        3,
        Some(ig_text.into()),
    );
    e.hidden(h);
}

/// Names of the 802.1Q priorities (802.1Q-2005 table, Wireshark's default).
fn priority_name(p: u8) -> &'static str {
    match p {
        0 => "Best Effort (default)",
        1 => "Background",
        2 => "Excellent Effort",
        3 => "Critical Applications",
        4 => "Video, < 100ms latency and jitter",
        5 => "Voice, < 10ms latency and jitter",
        6 => "Internetwork Control",
        _ => "Network Control",
    }
}

pub(crate) fn vlan_tree(e: &mut Emit<'_>, data: &[u8], v: &Vlan) {
    let o = v.off;
    let eo = o.saturating_add(2);
    let pcp = u64::from(v.pcp);
    let id = u64::from(v.id);
    if v.tpid == TPID_8021AD {
        let r = e.root("ieee8021ad", format!("IEEE 802.1ad, ID: {}", v.id), o, VLAN_LEN);
        e.bits(
            r,
            "ieee8021ad.priority",
            "Priority",
            Value::UInt(pcp),
            16,
            0xe000,
            o,
            1,
            None,
        );
        e.bits(
            r,
            "ieee8021ad.dei",
            "DEI",
            Value::UInt(u64::from(v.dei)),
            16,
            0x1000,
            o,
            1,
            None,
        );
        e.bits(r, "ieee8021ad.id", "ID", Value::UInt(id), 16, 0x0fff, o, 2, None);
        e.hex(
            r,
            "ieee8021ah.etype",
            "Type",
            u64::from(v.etype),
            4,
            eo,
            2,
            Some(named_hex4(ethertype_name(v.etype), v.etype)),
        );
        return;
    }
    let r = e.root(
        "vlan",
        format!(
            "802.1Q Virtual LAN, PRI: {}, DEI: {}, ID: {}",
            v.pcp,
            u8::from(v.dei),
            v.id
        ),
        o,
        VLAN_LEN,
    );
    e.bits(
        r,
        "vlan.priority",
        "Priority",
        Value::UInt(pcp),
        16,
        0xe000,
        o,
        2,
        Some(format!("{} ({})", priority_name(v.pcp), v.pcp)),
    );
    let dei = if v.dei { "Eligible" } else { "Ineligible" };
    e.bits(
        r,
        "vlan.dei",
        "DEI",
        Value::Bool(v.dei),
        16,
        0x1000,
        o,
        2,
        Some(dei.into()),
    );
    e.bits(r, "vlan.id", "ID", Value::UInt(id), 16, 0x0fff, o, 2, None);
    if v.etype <= 1500 {
        let l = e.uint(r, "vlan.len", "Length", u64::from(v.etype), eo, 2);
        let payload = data.len().saturating_sub(o.saturating_add(VLAN_LEN));
        if usize::from(v.etype) > payload {
            e.expert(
                l,
                Severity::Error,
                "vlan.len.past_end",
                "Length field value goes past the end of the payload",
                eo,
            );
        }
    } else {
        e.hex(
            r,
            "vlan.etype",
            "Type",
            u64::from(v.etype),
            4,
            eo,
            2,
            Some(named_hex4(ethertype_name(v.etype), v.etype)),
        );
    }
}

/// Wireshark's names of the LLC SAPs.
pub fn sap_name(sap: u8) -> Option<&'static str> {
    Some(match sap {
        0x00 | 0x01 => "NULL LSAP",
        0x02 => "LLC Sub-Layer Management",
        0x04 => "SNA Path Control",
        0x06 => "TCP/IP",
        0x08 | 0x0c => "SNA",
        0x0e => "PROWAY (IEC955) Network Management and Initialization",
        0x10 => "NetWare (unofficial?)",
        0x14 => "ISO Network Layer (OSLAN 1)",
        0x18 => "Texas Instruments",
        0x20 | 0x34 => "ISO Network Layer (unofficial?)",
        0x42 => "Spanning Tree BPDU",
        0x4e => "EIA RS-511 Manufacturing Message Service",
        0x54 => "ISO Network Layer (OSLAN 2)",
        0x7e => "ISO 8208 (X.25 over 802.2)",
        0x7f => "ISO 802.2",
        0x80 => "XNS",
        0x82 => "BACnet",
        0x86 => "Nestar",
        0x8e => "PROWAY (IEC955) Active Station List Maintenance",
        0x98 => "ARP",
        0xaa => "SNAP",
        0xb4 => "HP JetDirect Printer",
        0xba | 0xbc => "Banyan Vines",
        0xe0 => "NetWare",
        0xf0 => "NetBIOS",
        0xf4 => "IBM Net Management",
        0xf8 => "HP Extended LLC",
        0xfa => "Ungermann-Bass",
        0xfc => "Remote Program Load",
        0xfe => "ISO Network Layer",
        0xff => "Global LSAP",
        _ => return None,
    })
}

/// U-frame modifiers ((control & 0xec) >> 2): (abbreviation, command name, response name).
fn u_modifier(m: u8) -> Option<(&'static str, &'static str, &'static str, &'static str)> {
    Some(match m {
        0x00 => ("UI", "UI", "Unnumbered Information", "Unnumbered Information"),
        0x08 => ("UP", "UP", "Unnumbered Poll", "Unnumbered Poll"),
        0x10 => ("DISC", "RD", "Disconnect", "Request Disconnect"),
        0x18 => ("UA", "UA", "Unnumbered Acknowledge", "Unnumbered Acknowledge"),
        0x20 => ("SNRM", "SNRM", "Set Normal Response Mode", "Set Normal Response Mode"),
        0x38 => ("TEST", "TEST", "Test", "Test"),
        0x01 => ("SIM", "RIM", "Set Initialization Mode", "Request Initialization Mode"),
        0x21 => ("FRMR", "FRMR", "Frame reject", "Frame reject"),
        0x31 => ("CFGR", "CFGR", "Configure", "Configure"),
        0x03 => ("SARM", "DM", "Set Asynchronous Response Mode", "Disconnected mode"),
        0x0b => (
            "SABM",
            "SABM",
            "Set Asynchronous Balanced Mode",
            "Set Asynchronous Balanced Mode",
        ),
        0x13 => (
            "SARME",
            "SARME",
            "Set Asynchronous Response Mode Extended",
            "Set Asynchronous Response Mode Extended",
        ),
        0x1b => (
            "SABME",
            "SABME",
            "Set Asynchronous Balanced Mode Extended",
            "Set Asynchronous Balanced Mode Extended",
        ),
        0x23 => ("RESET", "RESET", "Reset", "Reset"),
        0x2b => ("XID", "XID", "Exchange identification", "Exchange identification"),
        0x33 => (
            "SNRME",
            "SNRME",
            "Set Normal Response Mode Extended",
            "Set Normal Response Mode Extended",
        ),
        0x3b => ("BCN", "BCN", "Beacon", "Beacon"),
        _ => return None,
    })
}

/// Supervisory functions: (abbreviation, name).
fn s_function(s: u16) -> (&'static str, &'static str) {
    match s & 3 {
        0 => ("RR", "Receiver ready"),
        1 => ("RNR", "Receiver not ready"),
        2 => ("REJ", "Reject"),
        _ => ("SREJ", "Selective reject"),
    }
}

/// Manufacturer names of the OUIs seen in SNAP headers (Wireshark's
/// `manuf` long names; it prints `xx:xx:xx (name)` cut at 31 characters).
fn oui_name(oui: u32) -> Option<&'static str> {
    Some(match oui {
        0x00_0000 => "Officially Xerox, but 0:0:0:0:0:0 is more common",
        0x00_000c | 0x00_4096 => "Cisco Systems, Inc",
        0x00_0081 => "Bay Networks",
        0x00_00f8 => "Digital Equipment Corporation",
        0x00_80c2 => "IEEE",
        0x08_0007 | 0x00_17f2 => "Apple, Inc.",
        0x00_005e => "ICANN, IANA Department",
        0x00_01e8 => "Force10 Networks, Inc.",
        0x00_1958 => "Bluetooth SIG, Inc.",
        0x00_e02b => "Extreme Networks Headquarters",
        0x00_e052 => "Brocade Communications Systems LLC",
        _ => return None,
    })
}

/// `xx:xx:xx (name)` as Wireshark shows an OUI, cut at 31 characters.
pub(crate) fn oui_text(oui: u32) -> String {
    let b = oui.to_be_bytes();
    let mut text = format!("{:02x}:{:02x}:{:02x}", b[1], b[2], b[3]);
    if let Some(n) = oui_name(oui) {
        text.push_str(" (");
        text.push_str(n);
        text.push(')');
    }
    text.chars().take(31).collect()
}

fn cisco_pid_name(pid: u16) -> Option<&'static str> {
    Some(match pid {
        0x0102 => "DRIP",
        0x0104 => "PAgP",
        0x0105 => "MLS Hello",
        0x0108 => "RLQ BPDUs (request)",
        0x0109 => "RLQ BPDUs (response)",
        0x010b => "PVSTP+",
        0x010c => "VLAN Bridge",
        0x0111 => "UDLD",
        0x0139 => "MCP",
        0x2000 => "CDP",
        0x2001 => "CGMP",
        0x2003 => "VTP",
        0x2004 => "DTP",
        0x200a => "STP Uplink Fast",
        _ => return None,
    })
}

fn nortel_pid_name(pid: u16) -> Option<&'static str> {
    Some(match pid {
        0x01a1 => "NDP flatnet hello",
        0x01a2 => "NDP segment hello",
        0x01a3 => "NDP bridge hello",
        _ => return None,
    })
}

impl Llc {
    /// Adds the `llc` root and its fields.
    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        let o = self.off;
        let r = e.root("llc", "Logical-Link Control", o, self.len);
        sap_fields(e, r, true, self.dsap, o);
        sap_fields(e, r, false, self.ssap, o.saturating_add(1));
        self.control_fields(e, r, o.saturating_add(2));
        if let Some((oui, pid)) = self.snap {
            let so = o.saturating_add(self.len).saturating_sub(5);
            let text = oui_text(oui);
            e.with_text(
                r,
                "llc.oui",
                "Organization Code",
                Value::UInt(u64::from(oui)),
                so,
                3,
                text,
            );
            if self.carries_data() {
                let po = so.saturating_add(3);
                let p = u64::from(pid);
                match oui {
                    0 | 0xf8 => {
                        e.hex(
                            r,
                            "llc.type",
                            "Type",
                            p,
                            4,
                            po,
                            2,
                            Some(named_hex4(ethertype_name(pid), pid)),
                        );
                    }
                    0x00_000c => {
                        e.hex(
                            r,
                            "llc.cisco_pid",
                            "PID",
                            p,
                            4,
                            po,
                            2,
                            Some(named_hex4(cisco_pid_name(pid), pid)),
                        );
                    }
                    0x00_0081 => {
                        e.hex(
                            r,
                            "llc.nortel_pid",
                            "PID",
                            p,
                            4,
                            po,
                            2,
                            Some(named_hex4(nortel_pid_name(pid), pid)),
                        );
                    }
                    _ => {
                        e.hex(r, "llc.pid", "Protocol ID", p, 4, po, 2, None);
                    }
                }
            }
        }
        r
    }

    fn control_fields(&self, e: &mut Emit<'_>, r: NodeId, co: usize) {
        let c = self.control;
        let pf_set = match self.frame() {
            LlcFrame::Unnumbered => c & 0x10 != 0,
            _ => c & 0x0100 != 0,
        };
        let pf = match (pf_set, self.is_response()) {
            (false, _) => "",
            (true, false) => " P",
            (true, true) => " F",
        };
        let (pf_name, pf_label) = if self.is_response() {
            ("llc.control.f", "Final")
        } else {
            ("llc.control.p", "Poll")
        };
        match self.frame() {
            LlcFrame::Unnumbered => {
                let m = u8::try_from((c & 0xec) >> 2).unwrap_or(0);
                let names = u_modifier(m);
                let abbr = names
                    .map(|n| if self.is_response() { n.1 } else { n.0 })
                    .unwrap_or("Unknown");
                let text = format!("U{pf}, func={abbr} (0x{c:02X})");
                let id = e.hex(r, "llc.control", "Control field", u64::from(c), 4, co, 1, Some(text));
                if pf_set {
                    e.bits(id, pf_name, pf_label, Value::Bool(true), 8, 0x10, co, 1, None);
                }
                let (mname, mlabel) = if self.is_response() {
                    ("llc.control.u_modifier_resp", "Response")
                } else {
                    ("llc.control.u_modifier_cmd", "Command")
                };
                let long = names
                    .map(|n| if self.is_response() { n.3 } else { n.2 })
                    .unwrap_or("Unknown");
                let b = e.bits(
                    id,
                    mname,
                    mlabel,
                    Value::UInt(u64::from(m)),
                    8,
                    0xec,
                    co,
                    1,
                    Some(format!("{long} (0x{m:02x})")),
                );
                e.t.set_base(b, Base::Hex(2));
                let b = e.bits(
                    id,
                    "llc.control.ftype",
                    "Frame type",
                    Value::UInt(3),
                    8,
                    0x03,
                    co,
                    1,
                    Some("Unnumbered frame (0x3)".into()),
                );
                e.t.set_base(b, Base::Hex(2));
            }
            LlcFrame::Supervisory => {
                let nr = c >> 9;
                let s = (c >> 2) & 3;
                let (abbr, long) = s_function(s);
                let text = format!("S{pf}, func={abbr}, N(R)={nr} (0x{c:04X})");
                let id = e.hex(r, "llc.control", "Control field", u64::from(c), 4, co, 2, Some(text));
                e.bits(
                    id,
                    "llc.control.n_r",
                    "N(R)",
                    Value::UInt(u64::from(nr)),
                    16,
                    0xfe00,
                    co,
                    2,
                    None,
                );
                if pf_set {
                    e.bits(id, pf_name, pf_label, Value::Bool(true), 16, 0x0100, co, 2, None);
                }
                let b = e.bits(
                    id,
                    "llc.control.s_ftype",
                    "Supervisory frame type",
                    Value::UInt(u64::from(s)),
                    16,
                    0x000c,
                    co,
                    2,
                    Some(format!("{long} (0x{s:x})")),
                );
                e.t.set_base(b, Base::Hex(4));
                let b = e.bits(
                    id,
                    "llc.control.ftype",
                    "Frame type",
                    Value::UInt(1),
                    16,
                    0x0003,
                    co,
                    2,
                    Some("Supervisory frame (0x1)".into()),
                );
                e.t.set_base(b, Base::Hex(4));
            }
            LlcFrame::Information => {
                let nr = c >> 9;
                let ns = (c >> 1) & 0x7f;
                let text = format!("I{pf}, N(R)={nr}, N(S)={ns} (0x{c:04X})");
                let id = e.hex(r, "llc.control", "Control field", u64::from(c), 4, co, 2, Some(text));
                e.bits(
                    id,
                    "llc.control.n_r",
                    "N(R)",
                    Value::UInt(u64::from(nr)),
                    16,
                    0xfe00,
                    co,
                    2,
                    None,
                );
                e.bits(
                    id,
                    "llc.control.n_s",
                    "N(S)",
                    Value::UInt(u64::from(ns)),
                    16,
                    0x00fe,
                    co,
                    2,
                    None,
                );
                if pf_set {
                    e.bits(id, pf_name, pf_label, Value::Bool(true), 16, 0x0100, co, 2, None);
                }
                let b = e.bits(
                    id,
                    "llc.control.ftype",
                    "Frame type",
                    Value::UInt(0),
                    16,
                    0x0001,
                    co,
                    2,
                    Some("Information frame (0x0)".into()),
                );
                e.t.set_base(b, Base::Hex(4));
            }
        }
    }
}

fn sap_fields(e: &mut Emit<'_>, r: NodeId, dsap: bool, v: u8, off: usize) {
    let (name, label, sap, bit, bit_label, bit_text) = if dsap {
        (
            "llc.dsap",
            "DSAP",
            "llc.dsap.sap",
            "llc.dsap.ig",
            "IG Bit",
            if v & 1 == 1 { "Group" } else { "Individual" },
        )
    } else {
        (
            "llc.ssap",
            "SSAP",
            "llc.ssap.sap",
            "llc.ssap.cr",
            "CR Bit",
            if v & 1 == 1 { "Response" } else { "Command" },
        )
    };
    let id = e.hex(
        r,
        name,
        label,
        u64::from(v),
        2,
        off,
        1,
        Some(format!("{} (0x{v:02x})", sap_name(v).unwrap_or("Unknown"))),
    );
    e.bits(
        id,
        sap,
        "SAP",
        Value::UInt(u64::from(v >> 1)),
        8,
        0xfe,
        off,
        1,
        Some(sap_name(v & 0xfe).unwrap_or("Unknown").into()),
    );
    e.bits(
        id,
        bit,
        bit_label,
        Value::Bool(v & 1 == 1),
        8,
        0x01,
        off,
        1,
        Some(bit_text.into()),
    );
}
