//! The DNS message on the wire (RFC 1035 section 4, RFC 6891 for OPT):
//! header, questions and resource records with every field's byte range,
//! names decompressed with the pointers they followed.
//!
//! Offsets here are relative to the start of the message (the header's
//! first byte), which is what compression pointers count from. Parsing is
//! bounded: a name follows at most [`MAX_POINTERS`] pointers and never the
//! same pointer twice, a message keeps at most [`MAX_ENTRIES`] questions and
//! records, and everything is read with checked offsets. A message cut short
//! or malformed keeps what parsed before the fault, and says where it was.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

use nom::number::complete::{be_u16, be_u32, be_u8};
use nom::Parser;

/// Length of the fixed header.
pub const HEADER_LEN: usize = 12;
/// Longest name on the wire, length octets included (RFC 1035 section 2.3.4).
pub const MAX_NAME_WIRE: usize = 255;
/// Most compression pointers one name may follow.
pub const MAX_POINTERS: usize = 64;
/// Most questions and records kept from one message.
pub const MAX_ENTRIES: usize = 4096;

type NomErr<'a> = nom::error::Error<&'a [u8]>;

/// The byte at `o`.
pub fn u8_at(m: &[u8], o: usize) -> Option<u8> {
    let s = m.get(o..)?;
    be_u8::<_, NomErr>.parse(s).ok().map(|(_, v)| v)
}

/// The big-endian 16-bit word at `o`.
pub fn u16_at(m: &[u8], o: usize) -> Option<u16> {
    let s = m.get(o..)?;
    be_u16::<_, NomErr>.parse(s).ok().map(|(_, v)| v)
}

/// The big-endian 32-bit word at `o`.
pub fn u32_at(m: &[u8], o: usize) -> Option<u32> {
    let s = m.get(o..)?;
    be_u32::<_, NomErr>.parse(s).ok().map(|(_, v)| v)
}

/// The fixed header. Fields past the captured bytes read as 0; see [`Message::header_len`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    pub id: u16,
    pub flags: u16,
    pub qdcount: u16,
    pub ancount: u16,
    pub nscount: u16,
    pub arcount: u16,
}

impl Header {
    pub fn is_response(&self) -> bool {
        self.flags & 0x8000 != 0
    }
    pub fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0xf) as u8
    }
    /// Authoritative answer.
    pub fn aa(&self) -> bool {
        self.flags & 0x0400 != 0
    }
    /// Truncated.
    pub fn tc(&self) -> bool {
        self.flags & 0x0200 != 0
    }
    /// Recursion desired.
    pub fn rd(&self) -> bool {
        self.flags & 0x0100 != 0
    }
    /// Recursion available.
    pub fn ra(&self) -> bool {
        self.flags & 0x0080 != 0
    }
    pub fn z(&self) -> bool {
        self.flags & 0x0040 != 0
    }
    /// Authentic data.
    pub fn ad(&self) -> bool {
        self.flags & 0x0020 != 0
    }
    /// Checking disabled.
    pub fn cd(&self) -> bool {
        self.flags & 0x0010 != 0
    }
    /// The header's 4-bit response code.
    pub fn rcode(&self) -> u16 {
        self.flags & 0xf
    }
}

/// A compression pointer: at `at`, pointing to `target`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pointer {
    pub at: usize,
    pub target: usize,
}

impl Pointer {
    /// RFC 1035 pointers point to a prior occurrence; a forward one is suspect.
    pub fn is_forward(&self) -> bool {
        self.target >= self.at
    }
}

/// Why a name could not be decoded in full (it is still shown, as Wireshark does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameIssue {
    /// A pointer leads back to one already followed (`at` is the repeating pointer).
    Loop { at: usize },
    /// More than [`MAX_POINTERS`] pointers in a chain.
    TooDeep,
    /// Longer than [`MAX_NAME_WIRE`] octets.
    TooLong,
}

/// A decoded domain name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    /// As Wireshark shows it: labels joined by dots, control bytes as `\ooo`,
    /// bytes past ASCII as U+FFFD, `<Root>` for the root, a `<...>` note when
    /// it could not be decoded.
    pub text: String,
    /// Offset of its first byte and the bytes it takes where it stands (up to
    /// and with its first pointer).
    pub at: usize,
    pub len: usize,
    /// Labels decoded.
    pub labels: usize,
    /// Label bytes plus the dots between them (Wireshark's name length).
    pub raw_len: usize,
    /// Dots in the name as Wireshark counts them (also those inside labels).
    pub dots: usize,
    /// Uncompressed length on the wire.
    pub wire_len: usize,
    pub pointers: Vec<Pointer>,
    pub issue: Option<NameIssue>,
}

impl Name {
    pub fn span(&self) -> Range<usize> {
        self.at..self.at.saturating_add(self.len)
    }
    pub fn is_root(&self) -> bool {
        self.labels == 0 && self.issue.is_none()
    }
    /// The name in lower case with no `<Root>` marker, for matching.
    pub fn key(&self) -> String {
        if self.is_root() {
            String::new()
        } else {
            self.text.to_ascii_lowercase()
        }
    }
    /// `dns.qry.name.len` as Wireshark 4.0 computes it.
    pub fn shown_len(&self) -> usize {
        let n = match self.issue {
            None if self.labels == 0 => "<Root>".len(),
            None => self.raw_len,
            Some(_) => self.text.len(),
        };
        if n > 1 {
            n
        } else {
            0
        }
    }
    /// `dns.count.labels` as Wireshark 4.0 computes it (dots + 1).
    pub fn shown_labels(&self) -> usize {
        if self.shown_len() == 0 {
            return 0;
        }
        match self.issue {
            None if self.labels > 0 => self.dots.saturating_add(1),
            _ => 1,
        }
    }
}

/// Why parsing stopped before the end of the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// `what` needed `need` bytes at `at`; `have` were there.
    Truncated {
        what: &'static str,
        at: usize,
        need: usize,
        have: usize,
    },
    /// A label starts with the reserved bits 01 or 10 (RFC 6891 section 5 retired them).
    BadLabel { at: usize, byte: u8 },
    /// Record data that breaks its type's rules (Wireshark stops at such a record too).
    BadData { at: usize, what: String },
}

impl Fault {
    pub fn at(&self) -> usize {
        match *self {
            Fault::Truncated { at, .. } | Fault::BadLabel { at, .. } | Fault::BadData { at, .. } => at,
        }
    }
    fn cut(what: &'static str, m: &[u8], at: usize, need: usize) -> Fault {
        Fault::Truncated {
            what,
            at,
            need,
            have: m.len().saturating_sub(at),
        }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::Truncated { what, at, need, have } => write!(
                f,
                "{what} runs past the end of the message: needs {need} bytes at offset {at}, {have} present"
            ),
            Fault::BadLabel { at, byte } => write!(
                f,
                "label type 0x{:02x} at offset {at} is not a length or a pointer",
                byte & 0xc0
            ),
            Fault::BadData { at, what } => write!(f, "{what} (record data at offset {at})"),
        }
    }
}

/// Appends one label as Wireshark shows it.
fn push_label(out: &mut String, label: &[u8]) {
    for &b in label {
        match b {
            0x20..=0x7e => out.push(char::from(b)),
            0x80..=0xff => out.push('\u{fffd}'),
            _ => {
                out.push('\\');
                for shift in [6u8, 3, 0] {
                    out.push(char::from(b'0' + ((b >> shift) & 7)));
                }
            }
        }
    }
}

/// Decodes the name at `at` in message `m`.
pub fn read_name(m: &[u8], at: usize) -> Result<Name, Fault> {
    let mut text = String::new();
    let mut pos = at;
    let mut in_place: Option<usize> = None;
    let mut pointers: Vec<Pointer> = Vec::new();
    let (mut labels, mut raw_len, mut dots, mut wire_len) = (0usize, 0usize, 0usize, 1usize);
    let mut issue = None;
    loop {
        let Some(b) = m.get(pos).copied() else {
            return Err(Fault::cut("name", m, pos, 1));
        };
        match b & 0xc0 {
            0x00 if b == 0 => {
                in_place.get_or_insert(pos.saturating_add(1));
                break;
            }
            0x00 => {
                let len = usize::from(b);
                let from = pos.saturating_add(1);
                let Some(label) = m.get(from..from.saturating_add(len)) else {
                    return Err(Fault::cut("label", m, from, len));
                };
                wire_len = wire_len.saturating_add(1 + len);
                if wire_len > MAX_NAME_WIRE {
                    issue = Some(NameIssue::TooLong);
                    if in_place.is_some() {
                        break;
                    }
                } else {
                    if labels > 0 {
                        text.push('.');
                        raw_len += 1;
                        dots += 1;
                    }
                    push_label(&mut text, label);
                    raw_len += len;
                    dots += label.iter().filter(|&&c| c == b'.').count();
                    labels += 1;
                }
                pos = from.saturating_add(len);
            }
            0xc0 => {
                let Some(lo) = m.get(pos.saturating_add(1)).copied() else {
                    return Err(Fault::cut("compression pointer", m, pos, 2));
                };
                let target = (usize::from(b & 0x3f) << 8) | usize::from(lo);
                in_place.get_or_insert(pos.saturating_add(2));
                if issue.is_some() {
                    break;
                }
                if target == pos || pointers.iter().any(|p| p.target == target) {
                    issue = Some(NameIssue::Loop { at: pos });
                    break;
                }
                if pointers.len() >= MAX_POINTERS {
                    issue = Some(NameIssue::TooDeep);
                    break;
                }
                if target >= m.len() {
                    return Err(Fault::Truncated {
                        what: "compression pointer target",
                        at: target,
                        need: 1,
                        have: 0,
                    });
                }
                pointers.push(Pointer { at: pos, target });
                pos = target;
            }
            _ => return Err(Fault::BadLabel { at: pos, byte: b }),
        }
    }
    let text = match issue {
        Some(NameIssue::Loop { .. }) => "<Name contains a pointer that loops>".to_string(),
        Some(NameIssue::TooDeep) => "<Name contains too many compression pointers>".to_string(),
        Some(NameIssue::TooLong) => "<Name too long>".to_string(),
        None if labels == 0 => "<Root>".to_string(),
        None => text,
    };
    let end = in_place.unwrap_or(pos);
    Ok(Name {
        text,
        at,
        len: end.saturating_sub(at),
        labels,
        raw_len,
        dots,
        wire_len,
        pointers,
        issue,
    })
}

/// A question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    pub name: Name,
    pub qtype: u16,
    pub qclass: u16,
}

impl Question {
    /// Offset of the type field.
    pub fn fixed_at(&self) -> usize {
        self.name.at.saturating_add(self.name.len)
    }
    pub fn span(&self) -> Range<usize> {
        self.name.at..self.fixed_at().saturating_add(4)
    }
}

/// The section a record is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Section {
    Answer,
    Authority,
    Additional,
}

/// One SVCB/HTTPS parameter: its key at `at`, its value's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SvcParam {
    pub key: u16,
    pub at: usize,
    pub value: Range<usize>,
}

/// One EDNS option: its code at `at`, its data's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdnsOption {
    pub code: u16,
    pub at: usize,
    pub data: Range<usize>,
}

/// Typed record data. Byte ranges are message offsets; fixed fields lie at
/// known offsets from the start of the data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rdata {
    /// No data (an update prerequisite or deletion).
    Empty,
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    /// NS, CNAME, PTR, DNAME, MD, MF, MB, MG, MR: one name.
    Name(Name),
    Soa {
        mname: Name,
        rname: Name,
        /// Offset of the serial; refresh, retry, expire and minimum follow.
        nums_at: usize,
        nums: [u32; 5],
    },
    Mx {
        preference: u16,
        exchange: Name,
    },
    /// TXT and SPF: each character-string's bytes (its length octet is just before).
    Txt(Vec<Range<usize>>),
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: Name,
    },
    Hinfo {
        cpu: Range<usize>,
        os: Range<usize>,
    },
    Caa {
        flags: u8,
        tag: Range<usize>,
        value: Range<usize>,
    },
    Svcb {
        priority: u16,
        target: Name,
        params: Vec<SvcParam>,
    },
    Opt(Vec<EdnsOption>),
    Naptr {
        order: u16,
        preference: u16,
        flags: Range<usize>,
        service: Range<usize>,
        regex: Range<usize>,
        replacement: Name,
    },
    Null,
    /// A type shown as bytes.
    Raw,
    /// Data that did not parse as its type: shown as bytes, with why.
    Bad(String),
}

/// A resource record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub section: Section,
    pub name: Name,
    pub rtype: u16,
    pub class: u16,
    pub ttl: u32,
    pub rdlen: u16,
    /// The data's bytes, cut at the end of the message.
    pub rdata: Range<usize>,
    pub data: Rdata,
    /// Why the data is malformed (what parsed before the fault is in `data`).
    pub bad: Option<String>,
}

impl Record {
    /// Offset of the type field.
    pub fn fixed_at(&self) -> usize {
        self.name.at.saturating_add(self.name.len)
    }
    pub fn span(&self) -> Range<usize> {
        self.name.at..self.rdata.end
    }
    /// The data runs past the end of the message.
    pub fn is_cut(&self) -> bool {
        self.rdata.len() < usize::from(self.rdlen)
    }
    pub fn is_opt(&self) -> bool {
        self.rtype == 41
    }
    /// OPT: the requestor's UDP payload size.
    pub fn udp_size(&self) -> u16 {
        self.class
    }
    /// OPT: the upper 8 bits of the extended RCODE.
    pub fn ext_rcode(&self) -> u8 {
        (self.ttl >> 24) as u8
    }
    pub fn edns_version(&self) -> u8 {
        (self.ttl >> 16) as u8
    }
    /// OPT: DNSSEC OK.
    pub fn do_bit(&self) -> bool {
        self.ttl & 0x8000 != 0
    }
}

/// The parts of a message, in wire order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    Header,
    Questions,
    Answer,
    Authority,
    Additional,
}

/// A parsed message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Message {
    pub header: Header,
    /// Header bytes present (12 for a whole header).
    pub header_len: usize,
    pub questions: Vec<Question>,
    pub records: Vec<Record>,
    /// Why parsing stopped early.
    pub fault: Option<Fault>,
    /// Bytes after the last section.
    pub extra: Option<Range<usize>>,
    /// More entries than [`MAX_ENTRIES`]: the rest were not parsed.
    pub capped: bool,
    /// The part where parsing stopped (fault or cap), `None` when it did not.
    pub stopped_in: Option<Part>,
    /// Where the questions and the three record sections begin (as far as parsed).
    pub starts: [usize; 4],
}

impl Message {
    pub fn section(&self, s: Section) -> impl Iterator<Item = &Record> {
        self.records.iter().filter(move |r| r.section == s)
    }
    pub fn answers(&self) -> impl Iterator<Item = &Record> {
        self.section(Section::Answer)
    }
    /// The OPT pseudo-record, if any.
    pub fn opt(&self) -> Option<&Record> {
        self.records
            .iter()
            .find(|r| r.section == Section::Additional && r.is_opt())
    }
    /// The 12-bit extended RCODE (RFC 6891 section 6.1.3): the header's
    /// four bits with the OPT record's upper eight.
    pub fn rcode(&self) -> u16 {
        let hi = self.opt().map(|o| u16::from(o.ext_rcode())).unwrap_or(0);
        (hi << 4) | self.header.rcode()
    }
    /// Offset where section `s` begins (or would have).
    pub fn section_start(&self, s: Section) -> usize {
        let i = match s {
            Section::Answer => 1,
            Section::Authority => 2,
            Section::Additional => 3,
        };
        self.starts.get(i).copied().unwrap_or(HEADER_LEN)
    }

    pub fn is_complete(&self) -> bool {
        self.header_len == HEADER_LEN && self.fault.is_none() && !self.capped
    }
}

/// Parses a message (its first byte is the header's).
pub fn parse(m: &[u8]) -> Message {
    let mut msg = Message {
        header_len: m.len().min(HEADER_LEN),
        ..Message::default()
    };
    let w = |o| u16_at(m, o).unwrap_or(0);
    msg.header = Header {
        id: w(0),
        flags: w(2),
        qdcount: w(4),
        ancount: w(6),
        nscount: w(8),
        arcount: w(10),
    };
    msg.starts = [HEADER_LEN; 4];
    if m.len() < HEADER_LEN {
        msg.fault = Some(Fault::cut("header", m, 0, HEADER_LEN));
        msg.stopped_in = Some(Part::Header);
        return msg;
    }
    let h = msg.header;
    let mut pos = HEADER_LEN;
    let mut entries = 0usize;
    for _ in 0..h.qdcount {
        if entries >= MAX_ENTRIES {
            msg.capped = true;
            msg.stopped_in = Some(Part::Questions);
            return msg;
        }
        match question(m, pos) {
            Ok(q) => {
                pos = q.fixed_at().saturating_add(4);
                msg.questions.push(q);
                entries += 1;
            }
            Err(f) => {
                msg.fault = Some(f);
                msg.stopped_in = Some(Part::Questions);
                return msg;
            }
        }
    }
    for (i, (section, part, count)) in [
        (Section::Answer, Part::Answer, h.ancount),
        (Section::Authority, Part::Authority, h.nscount),
        (Section::Additional, Part::Additional, h.arcount),
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(s) = msg.starts.get_mut(i + 1) {
            *s = pos;
        }
        for _ in 0..count {
            if entries >= MAX_ENTRIES {
                msg.capped = true;
                msg.stopped_in = Some(part);
                return msg;
            }
            match record(m, pos, section) {
                Ok(r) => {
                    pos = r.rdata.end;
                    let cut = r.is_cut();
                    let need = usize::from(r.rdlen);
                    let at = r.rdata.start;
                    let bad = rdata_fault(m, &r);
                    msg.records.push(r);
                    entries += 1;
                    if cut {
                        msg.fault = Some(Fault::cut("record data", m, at, need));
                        msg.stopped_in = Some(part);
                        return msg;
                    }
                    if let Some(what) = bad {
                        msg.fault = Some(Fault::BadData { at, what });
                        msg.stopped_in = Some(part);
                        return msg;
                    }
                }
                Err(f) => {
                    msg.fault = Some(f);
                    msg.stopped_in = Some(part);
                    return msg;
                }
            }
        }
    }
    if pos < m.len() {
        msg.extra = Some(pos..m.len());
    }
    msg
}

fn question(m: &[u8], at: usize) -> Result<Question, Fault> {
    let name = read_name(m, at)?;
    let f = name.at.saturating_add(name.len);
    let (Some(qtype), Some(qclass)) = (u16_at(m, f), u16_at(m, f.saturating_add(2))) else {
        return Err(Fault::cut("question type and class", m, f, 4));
    };
    Ok(Question { name, qtype, qclass })
}

fn record(m: &[u8], at: usize, section: Section) -> Result<Record, Fault> {
    let name = read_name(m, at)?;
    let f = name.at.saturating_add(name.len);
    let fixed = m.get(f..).unwrap_or(&[]);
    let Ok((_, (rtype, class, ttl, rdlen))) = (be_u16::<_, NomErr>, be_u16, be_u32, be_u16).parse(fixed) else {
        return Err(Fault::cut("record header", m, f, 10));
    };
    let start = f.saturating_add(10);
    let end = start.saturating_add(usize::from(rdlen)).min(m.len());
    let rdata = start..end.max(start);
    let (data, bad) = rdata_of(m, rtype, rdata.clone(), usize::from(rdlen));
    Ok(Record {
        section,
        name,
        rtype,
        class,
        ttl,
        rdlen,
        rdata,
        data,
        bad,
    })
}

/// What makes a record's data malformed beyond its framing: data that did
/// not parse as its type, and parameters or options whose values break
/// their own rules.
pub fn rdata_fault(m: &[u8], r: &Record) -> Option<String> {
    if let Some(b) = &r.bad {
        return Some(b.clone());
    }
    match &r.data {
        Rdata::Svcb { params, .. } => params.iter().find_map(|p| svc_param_fault(m, p)),
        Rdata::Opt(opts) => opts.iter().find_map(|o| {
            let n = o.data.len();
            match o.code {
                8 if n < 4 => Some(format!(
                    "client subnet option of {n} bytes is shorter than its 4-byte header"
                )),
                10 if n < 8 => Some(format!(
                    "cookie option of {n} bytes is shorter than a client cookie (8)"
                )),
                _ => None,
            }
        }),
        Rdata::Raw if r.rtype == 29 => {
            // LOC version 0 (RFC 1876) is exactly 16 bytes.
            let v = u8_at(m, r.rdata.start);
            (v == Some(0) && r.rdata.len() != 16)
                .then(|| format!("LOC version 0 needs 16 bytes, not {}", r.rdata.len()))
        }
        _ => None,
    }
}

/// What is wrong with one SvcParam's value (RFC 9460 section 7).
pub fn svc_param_fault(m: &[u8], p: &SvcParam) -> Option<String> {
    let v = m.get(p.value.clone()).unwrap_or(&[]);
    let n = v.len();
    match p.key {
        0 if n & 1 != 0 => Some(format!("mandatory key list of {n} bytes is not a list of 2-byte keys")),
        1 => {
            let mut o = 0usize;
            while let Some(&l) = v.get(o) {
                o = o + 1 + usize::from(l);
                if o > n {
                    return Some(format!("ALPN id of {l} bytes runs past the end of the alpn value"));
                }
            }
            None
        }
        3 if n != 2 => Some(format!("port value of {n} bytes is not 2 bytes")),
        4 if n & 3 != 0 => Some(format!("ipv4hint value of {n} bytes is not a list of IPv4 addresses")),
        6 if n & 15 != 0 => Some(format!("ipv6hint value of {n} bytes is not a list of IPv6 addresses")),
        _ => None,
    }
}

/// Reads a `<character-string>` at `at` that must end by `end`.
fn char_string(m: &[u8], at: usize, end: usize) -> Result<Range<usize>, String> {
    let n = usize::from(
        u8_at(m, at)
            .filter(|_| at < end)
            .ok_or("character-string length missing")?,
    );
    let from = at.saturating_add(1);
    let to = from.saturating_add(n);
    if to > end {
        return Err(format!(
            "character-string of {n} bytes at offset {at} runs past the end of the data"
        ));
    }
    Ok(from..to)
}

/// Types whose data is a single domain name.
pub fn is_name_type(t: u16) -> bool {
    matches!(t, 2..=5 | 7..=9 | 12 | 39)
}

/// Parses the data of a record of type `t` lying at `r` (cut at the end of
/// the message; `declared` is RDLENGTH).
pub fn rdata_of(m: &[u8], t: u16, r: Range<usize>, declared: usize) -> (Rdata, Option<String>) {
    if declared == 0 {
        return (if t == 41 { Rdata::Opt(Vec::new()) } else { Rdata::Empty }, None);
    }
    let (s, e) = (r.start, r.end);
    let name_at = |o: usize| read_name(m, o).map_err(|f| f.to_string());
    // Lists (strings, parameters, options) keep the items before a bad one.
    let mut bad: Option<String> = None;
    let res: Result<Rdata, String> = (|| {
        Ok(match t {
            1 => {
                let b = m
                    .get(s..s.saturating_add(4))
                    .filter(|_| e >= s + 4)
                    .ok_or("an A record needs 4 bytes")?;
                Rdata::A(Ipv4Addr::new(
                    b.first().copied().unwrap_or(0),
                    b.get(1).copied().unwrap_or(0),
                    b.get(2).copied().unwrap_or(0),
                    b.get(3).copied().unwrap_or(0),
                ))
            }
            28 => {
                let b = m
                    .get(s..s.saturating_add(16))
                    .filter(|_| e >= s + 16)
                    .ok_or("an AAAA record needs 16 bytes")?;
                let mut a = [0u8; 16];
                a.copy_from_slice(b);
                Rdata::Aaaa(Ipv6Addr::from(a))
            }
            _ if is_name_type(t) => Rdata::Name(name_at(s)?),
            6 => {
                let mname = name_at(s)?;
                let rname = name_at(mname.span().end)?;
                let at = rname.span().end;
                let mut nums = [0u32; 5];
                for (i, n) in nums.iter_mut().enumerate() {
                    *n = u32_at(m, at + 4 * i).ok_or("SOA numbers run past the end")?;
                }
                Rdata::Soa {
                    mname,
                    rname,
                    nums_at: at,
                    nums,
                }
            }
            15 => Rdata::Mx {
                preference: u16_at(m, s).ok_or("MX preference missing")?,
                exchange: name_at(s + 2)?,
            },
            16 | 99 => {
                let mut v = Vec::new();
                let mut at = s;
                while at < e {
                    match char_string(m, at, e) {
                        Ok(c) => {
                            at = c.end;
                            v.push(c);
                        }
                        Err(why) => {
                            bad = Some(why);
                            break;
                        }
                    }
                }
                Rdata::Txt(v)
            }
            33 => {
                let (Some(priority), Some(weight), Some(port)) = (u16_at(m, s), u16_at(m, s + 2), u16_at(m, s + 4))
                else {
                    return Err("SRV fields missing".into());
                };
                Rdata::Srv {
                    priority,
                    weight,
                    port,
                    target: name_at(s + 6)?,
                }
            }
            13 => {
                let cpu = char_string(m, s, e)?;
                let os = char_string(m, cpu.end, e)?;
                Rdata::Hinfo { cpu, os }
            }
            257 => {
                let flags = u8_at(m, s).ok_or("CAA flags missing")?;
                let tag = char_string(m, s + 1, e)?;
                Rdata::Caa {
                    flags,
                    value: tag.end..e,
                    tag,
                }
            }
            64 | 65 => {
                let priority = u16_at(m, s).ok_or("SvcPriority missing")?;
                let target = name_at(s + 2)?;
                let mut params = Vec::new();
                let mut at = target.span().end;
                while at < e {
                    let (Some(key), Some(len)) = (u16_at(m, at), u16_at(m, at + 2)) else {
                        bad = Some(format!("SvcParam at offset {at} is cut short"));
                        break;
                    };
                    let from = at + 4;
                    let to = from + usize::from(len);
                    if to > e {
                        bad = Some(format!("SvcParam {key} of {len} bytes runs past the end of the data"));
                        break;
                    }
                    params.push(SvcParam {
                        key,
                        at,
                        value: from..to,
                    });
                    at = to;
                }
                Rdata::Svcb {
                    priority,
                    target,
                    params,
                }
            }
            41 => {
                let mut opts = Vec::new();
                let mut at = s;
                while at < e {
                    let (Some(code), Some(len)) = (u16_at(m, at), u16_at(m, at + 2)) else {
                        bad = Some(format!("EDNS option at offset {at} is cut short"));
                        break;
                    };
                    let from = at + 4;
                    let to = from + usize::from(len);
                    if to > e {
                        bad = Some(format!(
                            "EDNS option {code} of {len} bytes runs past the end of the data"
                        ));
                        break;
                    }
                    opts.push(EdnsOption {
                        code,
                        at,
                        data: from..to,
                    });
                    at = to;
                }
                Rdata::Opt(opts)
            }
            35 => {
                let (Some(order), Some(preference)) = (u16_at(m, s), u16_at(m, s + 2)) else {
                    return Err("NAPTR order and preference missing".into());
                };
                let flags = char_string(m, s + 4, e)?;
                let service = char_string(m, flags.end, e)?;
                let regex = char_string(m, service.end, e)?;
                Rdata::Naptr {
                    order,
                    preference,
                    replacement: name_at(regex.end)?,
                    flags,
                    service,
                    regex,
                }
            }
            10 => Rdata::Null,
            _ => Rdata::Raw,
        })
    })();
    match res {
        Ok(d) => (d, bad),
        Err(why) => (Rdata::Bad(why.clone()), Some(why)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(body: &[u8]) -> Vec<u8> {
        let mut v = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn names_decompress_and_keep_their_span() {
        let mut m = msg(b"\x07example\x03com\x00\x00\x01\x00\x01");
        m.extend_from_slice(b"\x03www\xc0\x0c");
        let n = read_name(&m, 29).unwrap();
        assert_eq!(n.text, "www.example.com");
        assert_eq!(n.span(), 29..35);
        assert_eq!(n.pointers, vec![Pointer { at: 33, target: 12 }]);
        assert_eq!(n.wire_len, 17);
        assert_eq!((n.shown_len(), n.shown_labels()), (15, 3));
    }

    #[test]
    fn loops_and_deep_chains_stop() {
        // A pointer to itself, and two names pointing at each other.
        let m = msg(b"\xc0\x0c");
        let n = read_name(&m, 12).unwrap();
        assert_eq!(n.issue, Some(NameIssue::Loop { at: 12 }));
        assert_eq!(n.text, "<Name contains a pointer that loops>");
        assert_eq!(n.len, 2);
        let m = msg(b"\x01a\xc0\x10\x01b\xc0\x0c");
        let n = read_name(&m, 12).unwrap();
        assert!(matches!(n.issue, Some(NameIssue::Loop { .. })));
        assert_eq!(n.len, 4);
        // A long chain of pointers, each to the one before.
        let mut m = msg(b"\x01x\x00");
        for i in 0..100u16 {
            let target = if i == 0 { 12 } else { 15 + 2 * (i - 1) };
            m.extend_from_slice(&(0xc000 | target).to_be_bytes());
        }
        let last = m.len() - 2;
        let n = read_name(&m, last).unwrap();
        assert_eq!(n.issue, Some(NameIssue::TooDeep));
        let n = read_name(&m, 15 + 2 * 10).unwrap();
        assert_eq!(n.text, "x");
        assert_eq!(n.pointers.len(), 11);
    }

    #[test]
    fn forward_pointers_are_followed_and_marked() {
        let m = msg(b"\xc0\x12\x00\x01\x00\x01\x03fwd\x00");
        let n = read_name(&m, 12).unwrap();
        assert_eq!(n.text, "fwd");
        assert!(n.pointers[0].is_forward());
    }

    #[test]
    fn long_names_and_odd_bytes() {
        let mut body = Vec::new();
        for _ in 0..5 {
            body.push(62);
            body.extend_from_slice(&[b'a'; 62]);
        }
        body.push(0);
        let m = msg(&body);
        let n = read_name(&m, 12).unwrap();
        assert_eq!(n.issue, Some(NameIssue::TooLong));
        assert_eq!(n.text, "<Name too long>");
        assert_eq!(n.len, body.len());
        let m = msg(b"\x03a\x7fb\x02c\\\x01\"\x02\xff\x01\x00");
        assert_eq!(read_name(&m, 12).unwrap().text, "a\\177b.c\\.\".\u{fffd}\\001");
        assert_eq!(read_name(&msg(b"\x00"), 12).unwrap().text, "<Root>");
        assert!(matches!(
            read_name(&msg(b"\x41ab\x00"), 12),
            Err(Fault::BadLabel { .. })
        ));
        assert!(matches!(read_name(&msg(b"\x05ab"), 12), Err(Fault::Truncated { .. })));
        assert!(matches!(read_name(&msg(b"\xc1\x00"), 12), Err(Fault::Truncated { .. })));
    }

    #[test]
    fn every_prefix_parses_without_panicking() {
        let mut m = vec![0xab, 0xcd, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 1];
        m.extend_from_slice(b"\x07example\x03com\x00\x00\x01\x00\x01");
        m.extend_from_slice(b"\xc0\x0c\x00\x05\x00\x01\x00\x00\x0e\x10\x00\x06\x03www\xc0\x0c");
        m.extend_from_slice(b"\xc0\x29\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\x5d\xb8\xd8\x22");
        m.extend_from_slice(
            b"\x00\x00\x29\x04\xd0\x00\x00\x80\x00\x00\x0c\x00\x0a\x00\x08\x01\x02\x03\x04\x05\x06\x07\x08",
        );
        let whole = parse(&m);
        assert!(whole.is_complete(), "{:?}", whole.fault);
        assert_eq!(whole.records.len(), 3);
        assert!(whole.opt().unwrap().do_bit());
        for len in 0..m.len() {
            let p = parse(&m[..len]);
            assert!(!p.is_complete(), "prefix {len}");
        }
    }
}
