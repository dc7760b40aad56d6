//! The field tree of a DNS message, laid out like `tshark -V`, plus the
//! compression pointers each name followed and expert notes for what
//! Wireshark passes over in silence (loops, forward pointers, record data
//! longer or shorter than its type needs, what hickory-proto rejects).

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

use crate::error::Severity;
use crate::tree::{NodeId, Tree, Value};

use super::tables::{self, secs_text, type_field, type_name};
use super::wire::{
    self, u16_at, u32_at, u8_at, EdnsOption, Fault, Message, Name, NameIssue, Part, Rdata, Record, Section, SvcParam,
};
use super::Flavor;

/// Builds the tree of the message `m`, which lies at `o` in the tree's current source.
pub(super) struct View<'a> {
    pub t: &'a mut Tree,
    pub m: &'a [u8],
    pub o: usize,
    pub flavor: Flavor,
    /// The capture holds fewer bytes than the message had on the wire.
    pub short: bool,
}

fn tfs(b: bool, yes: &'static str, no: &'static str) -> &'static str {
    if b {
        yes
    } else {
        no
    }
}

/// Text of bytes as Wireshark shows strings from the wire.
pub fn show_bytes(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len());
    for &c in b {
        match c {
            0x20..=0x7e => s.push(char::from(c)),
            0x80..=0xff => s.push('\u{fffd}'),
            _ => {
                let _ = write!(s, "\\{c:03o}");
            }
        }
    }
    s
}

impl View<'_> {
    fn at(&self, off: usize) -> usize {
        self.o.saturating_add(off)
    }

    fn bytes_str(&self, r: &Range<usize>) -> String {
        show_bytes(self.m.get(r.clone()).unwrap_or(&[]))
    }

    /// A bytes field shown as plain hex, as Wireshark shows DNS bytes.
    fn hexbytes(&mut self, parent: NodeId, name: &'static str, label: &'static str, at: usize, len: usize) -> NodeId {
        let id = self.t.bytes(parent, name, label, at, len);
        let rel = at.saturating_sub(self.o);
        let mut s = String::with_capacity(len * 2);
        crate::tree::write_hex(&mut s, self.m.get(rel..rel.saturating_add(len)).unwrap_or(&[]), None);
        self.t.set_text(id, s);
        id
    }

    fn txt(&mut self, parent: NodeId, text: impl Into<Box<str>>, r: Range<usize>) -> NodeId {
        let at = self.at(r.start);
        self.t.text(Some(parent), "", text, at, r.len())
    }

    fn uint(
        &mut self,
        parent: NodeId,
        name: &'static str,
        label: &'static str,
        v: u64,
        off: usize,
        len: usize,
    ) -> NodeId {
        let at = self.at(off);
        self.t.uint(parent, name, label, v, at, len)
    }

    fn string(
        &mut self,
        parent: NodeId,
        name: &'static str,
        label: &'static str,
        v: impl Into<Box<str>>,
        r: Range<usize>,
    ) -> NodeId {
        let at = self.at(r.start);
        self.t.string(parent, name, label, v, at, r.len())
    }

    fn flag(&mut self, parent: NodeId, name: &'static str, label: &'static str, mask: u16, flags: u16, text: &str) {
        let shift = mask.trailing_zeros();
        let v = (flags & mask) >> shift;
        let value = if mask.count_ones() == 1 {
            Value::Bool(v != 0)
        } else {
            Value::UInt(u64::from(v))
        };
        let at = self.at(2);
        let id = self.t.bits(parent, name, label, value, 16, u64::from(mask), at, 2);
        self.t.set_text(id, text);
    }

    /// The whole message: root node first.
    pub fn build(&mut self, root_at: usize, root_len: usize, tcp_len: Option<u16>, msg: &Message) -> NodeId {
        let h = msg.header;
        let resp = self.m.len() >= 4 && h.is_response();
        let _ = h;
        let title = format!("{} ({})", self.flavor.title(), tfs(resp, "response", "query"));
        let root = self.t.text(None, self.flavor.root_name(), title, root_at, root_len);
        if let Some(len) = tcp_len {
            self.t.uint(root, "dns.length", "Length", u64::from(len), root_at, 2);
        }
        self.header(root, msg);
        if msg.header_len == wire::HEADER_LEN {
            self.sections(root, msg);
        }
        if let Some(x) = &msg.extra {
            let n = x.len();
            let node = self.txt(root, format!("Extraneous Data ({n} bytes)"), x.clone());
            let at = self.at(x.start);
            self.hexbytes(node, "dns.extraneous.data", "Extraneous Data Bytes", at, n);
            let l = self.t.add(
                Some(node),
                "dns.extraneous.length",
                "Extraneous Data Length",
                Value::Int(i64::try_from(n).unwrap_or(i64::MAX)),
                at,
                n,
            );
            self.t.set_generated(l);
        }
        if msg.capped {
            let at = self.at(self.m.len());
            self.t.expert(
                root,
                Severity::Warning,
                "wirelens.dns.too_many_records",
                format!(
                    "More than {} questions and records: the rest of the message is not dissected",
                    wire::MAX_ENTRIES
                ),
                at,
                0,
            );
        }
        if let (Some(f @ Fault::Truncated { .. }), true) = (&msg.fault, self.short) {
            let at = self.at(f.at().min(self.m.len()));
            let n = self.t.text(
                None,
                "_ws.short",
                "[Packet size limited during capture: DNS truncated]",
                at,
                0,
            );
            self.t.set_expert(
                n,
                Severity::Note,
                "_ws.short",
                format!("Packet size limited during capture: DNS truncated: {f}"),
            );
        } else if let Some(f) = &msg.fault {
            let at = self.at(f.at().min(self.m.len()));
            let n = self.t.text(None, "_ws.malformed", "[Malformed Packet: DNS]", at, 0);
            let why = match f {
                Fault::Truncated { .. } => format!("Malformed Packet: DNS message cut short: {f}"),
                Fault::BadLabel { .. } | Fault::BadData { .. } => format!("Malformed Packet: DNS {f}"),
            };
            self.t.set_expert(n, Severity::Error, "_ws.malformed", why.clone());
            self.t.expert(n, Severity::Error, "_ws.malformed.expert", why, at, 0);
        }
        root
    }

    fn header(&mut self, root: NodeId, msg: &Message) {
        let h = msg.header;
        let have = self.m.len();
        // Wireshark reads the id and the flags before it shows either.
        if have < 4 {
            return;
        }
        let at = self.at(0);
        self.t.hex(root, "dns.id", "Transaction ID", u64::from(h.id), 4, at, 2);
        let f = h.flags;
        let resp = h.is_response();
        let op = h.opcode();
        let mut summary = tables::opcode_name(op).unwrap_or("Unknown operation").to_string();
        if resp {
            summary.push_str(" response, ");
            summary.push_str(tables::rcode_name(h.rcode()).unwrap_or("Unknown error"));
        }
        let at = self.at(2);
        let fl = self.t.hex(root, "dns.flags", "Flags", u64::from(f), 4, at, 2);
        self.t.set_text(fl, format!("0x{f:04x} {summary}"));
        self.flag(
            fl,
            "dns.flags.response",
            "Response",
            0x8000,
            f,
            tfs(resp, "Message is a response", "Message is a query"),
        );
        let opt = match tables::opcode_name(op) {
            Some(n) => format!("{n} ({op})"),
            None => format!("Unknown ({op})"),
        };
        self.flag(fl, "dns.flags.opcode", "Opcode", 0x7800, f, &opt);
        let rcode = match tables::rcode_name(h.rcode()) {
            Some(n) => format!("{n} ({})", h.rcode()),
            None => format!("Unknown ({})", h.rcode()),
        };
        if self.flavor == Flavor::Llmnr {
            let conflict = if resp {
                tfs(
                    h.aa(),
                    "The name is not considered unique",
                    "The name is considered unique",
                )
            } else {
                tfs(h.aa(), "The sender received multiple responses", "None")
            };
            self.flag(fl, "dns.flags.conflict", "Conflict", 0x0400, f, conflict);
            self.flag(
                fl,
                "dns.flags.truncated",
                "Truncated",
                0x0200,
                f,
                tfs(h.tc(), "Message is truncated", "Message is not truncated"),
            );
            self.flag(
                fl,
                "dns.flags.tentative",
                "Tentative",
                0x0100,
                f,
                tfs(h.rd(), "Tentative", "Not tentative"),
            );
            if resp {
                self.flag(fl, "dns.flags.rcode", "Reply code", 0x000f, f, &rcode);
            }
        } else {
            if resp {
                self.flag(
                    fl,
                    "dns.flags.authoritative",
                    "Authoritative",
                    0x0400,
                    f,
                    tfs(
                        h.aa(),
                        "Server is an authority for domain",
                        "Server is not an authority for domain",
                    ),
                );
            }
            self.flag(
                fl,
                "dns.flags.truncated",
                "Truncated",
                0x0200,
                f,
                tfs(h.tc(), "Message is truncated", "Message is not truncated"),
            );
            self.flag(
                fl,
                "dns.flags.recdesired",
                "Recursion desired",
                0x0100,
                f,
                tfs(h.rd(), "Do query recursively", "Don't do query recursively"),
            );
            if resp {
                self.flag(
                    fl,
                    "dns.flags.recavail",
                    "Recursion available",
                    0x0080,
                    f,
                    tfs(
                        h.ra(),
                        "Server can do recursive queries",
                        "Server can't do recursive queries",
                    ),
                );
            }
            self.flag(
                fl,
                "dns.flags.z",
                "Z",
                0x0040,
                f,
                tfs(h.z(), "reserved - incorrect!", "reserved (0)"),
            );
            if resp {
                self.flag(
                    fl,
                    "dns.flags.authenticated",
                    "Answer authenticated",
                    0x0020,
                    f,
                    tfs(
                        h.ad(),
                        "Answer/authority portion was authenticated by the server",
                        "Answer/authority portion was not authenticated by the server",
                    ),
                );
            } else if h.ad() {
                self.flag(fl, "dns.flags.authenticated", "AD bit", 0x0020, f, "Set");
            }
            self.flag(
                fl,
                "dns.flags.checkdisable",
                "Non-authenticated data",
                0x0010,
                f,
                tfs(h.cd(), "Acceptable", "Unacceptable"),
            );
            if resp {
                self.flag(fl, "dns.flags.rcode", "Reply code", 0x000f, f, &rcode);
            }
        }
        let update = op == 5;
        let counts: [(&'static str, &'static str, u16); 4] = if update {
            [
                ("dns.count.zones", "Zones", h.qdcount),
                ("dns.count.prerequisites", "Prerequisites", h.ancount),
                ("dns.count.updates", "Updates", h.nscount),
                ("dns.count.add_rr", "Additional RRs", h.arcount),
            ]
        } else {
            [
                ("dns.count.queries", "Questions", h.qdcount),
                ("dns.count.answers", "Answer RRs", h.ancount),
                ("dns.count.auth_rr", "Authority RRs", h.nscount),
                ("dns.count.add_rr", "Additional RRs", h.arcount),
            ]
        };
        for (i, (name, label, v)) in counts.into_iter().enumerate() {
            let off = 4 + 2 * i;
            if have < off + 2 {
                break;
            }
            self.uint(root, name, label, u64::from(v), off, 2);
        }
    }

    fn sections(&mut self, root: NodeId, msg: &Message) {
        let h = msg.header;
        let update = h.opcode() == 5;
        let reached = |p: Part| msg.stopped_in.is_none_or(|s| s >= p);
        if h.qdcount > 0 && reached(Part::Questions) {
            let span = span_of(msg.questions.iter().map(|q| q.span()), wire::HEADER_LEN);
            let sec = self.txt(root, tfs(update, "Zone", "Queries"), span);
            for q in &msg.questions {
                self.question(sec, q);
            }
        }
        for (s, count, part, title) in [
            (
                Section::Answer,
                h.ancount,
                Part::Answer,
                tfs(update, "Prerequisites", "Answers"),
            ),
            (
                Section::Authority,
                h.nscount,
                Part::Authority,
                tfs(update, "Updates", "Authoritative nameservers"),
            ),
            (Section::Additional, h.arcount, Part::Additional, "Additional records"),
        ] {
            if count == 0 || !reached(part) {
                continue;
            }
            let first = msg.section_start(s);
            let span = span_of(msg.section(s).map(|r| r.span()), first);
            let sec = self.txt(root, title, span);
            for r in msg.section(s) {
                self.record(sec, r, msg);
            }
        }
    }

    /// The name's own node (`field`) with its compression pointers and problems.
    fn name(&mut self, parent: NodeId, field: &'static str, label: &'static str, n: &Name) -> NodeId {
        let id = self.string(parent, field, label, n.text.as_str(), n.span());
        self.name_notes(id, n);
        id
    }

    fn name_notes(&mut self, id: NodeId, n: &Name) {
        for p in &n.pointers {
            let at = self.at(p.at);
            let node = self.t.add(
                Some(id),
                "wirelens.dns.name.pointer",
                "Compression pointer to offset",
                Value::UInt(p.target as u64),
                at,
                2,
            );
            self.t
                .set_text(node, format!("{} (pointer at offset {})", p.target, p.at));
            self.t.set_generated(node);
            if p.is_forward() {
                self.t.set_expert(
                    node,
                    Severity::Warning,
                    "wirelens.dns.name.forward_pointer",
                    "Compression pointer points forward: RFC 1035 pointers refer to a prior occurrence of a name",
                );
            }
        }
        let at = self.at(n.at);
        match n.issue {
            Some(NameIssue::Loop { at: p }) => {
                self.t.expert(
                    id,
                    Severity::Error,
                    "wirelens.dns.name.loop",
                    format!("Compression pointer at offset {p} leads back to a pointer already followed: the name loops and cannot be decoded"),
                    at,
                    n.len,
                );
            }
            Some(NameIssue::TooDeep) => {
                self.t.expert(
                    id,
                    Severity::Error,
                    "wirelens.dns.name.too_deep",
                    format!(
                        "More than {} compression pointers in a row: not followed further",
                        wire::MAX_POINTERS
                    ),
                    at,
                    n.len,
                );
            }
            Some(NameIssue::TooLong) => {
                self.t.expert(
                    id,
                    Severity::Error,
                    "wirelens.dns.name.too_long",
                    format!(
                        "Name longer than {} bytes (RFC 1035 section 2.3.4)",
                        wire::MAX_NAME_WIRE
                    ),
                    at,
                    n.len,
                );
            }
            None => {}
        }
    }

    fn class_nodes(
        &mut self,
        parent: NodeId,
        field: &'static str,
        flag: (&'static str, &'static str),
        class: u16,
        off: usize,
    ) {
        if self.flavor == Flavor::Mdns {
            let c = class & 0x7fff;
            let at = self.at(off);
            let id = self
                .t
                .bits(parent, field, "Class", Value::UInt(u64::from(c)), 16, 0x7fff, at, 2);
            self.t.set_text(id, tables::class_field(c));
            let b = self.t.bits(
                parent,
                flag.0,
                flag.1,
                Value::Bool(class & 0x8000 != 0),
                16,
                0x8000,
                at,
                2,
            );
            self.t.set_text(b, tfs(class & 0x8000 != 0, "True", "False"));
        } else {
            let at = self.at(off);
            let id = self.t.hex(parent, field, "Class", u64::from(class), 4, at, 2);
            self.t.set_text(id, tables::class_field(class));
        }
    }

    fn class_short(&self, class: u16) -> &'static str {
        if self.flavor == Flavor::Mdns {
            tables::class_name(class & 0x7fff)
        } else {
            tables::class_name(class)
        }
    }

    fn question(&mut self, sec: NodeId, q: &wire::Question) {
        let mut line = format!(
            "{}: type {}, class {}",
            q.name.text,
            type_name(q.qtype),
            self.class_short(q.qclass)
        );
        if self.flavor == Flavor::Mdns {
            line.push_str(tfs(q.qclass & 0x8000 != 0, ", \"QU\" question", ", \"QM\" question"));
        }
        let node = self.txt(sec, line, q.span());
        self.name(node, "dns.qry.name", "Name", &q.name);
        let (at, len) = (self.at(q.name.at), q.name.len);
        let l = self.t.uint(
            node,
            "dns.qry.name.len",
            "Name Length",
            q.name.shown_len() as u64,
            at,
            len,
        );
        self.t.set_generated(l);
        let c = self.t.uint(
            node,
            "dns.count.labels",
            "Label Count",
            q.name.shown_labels() as u64,
            at,
            len,
        );
        self.t.set_generated(c);
        let f = q.fixed_at();
        let ty = self.uint(node, "dns.qry.type", "Type", u64::from(q.qtype), f, 2);
        self.t.set_text(ty, type_field(q.qtype));
        self.class_nodes(
            node,
            "dns.qry.class",
            ("dns.qry.qu", "\"QU\" question"),
            q.qclass,
            f + 2,
        );
    }

    fn record(&mut self, sec: NodeId, r: &Record, msg: &Message) {
        if r.is_cut() {
            // Wireshark shows no part of a record whose data is cut short;
            // a text line says what it was (the malformed node says where).
            let line = format!(
                "{}: type {}, class {} (data cut short: {} bytes announced, {} present)",
                r.name.text,
                type_name(r.rtype),
                self.class_short(r.class),
                r.rdlen,
                r.rdata.len()
            );
            let node = self.txt(sec, line, r.span());
            self.name_notes(node, &r.name);
            return;
        }
        let mut line = format!("{}: type {}", r.name.text, type_name(r.rtype));
        if !r.is_opt() {
            let _ = write!(line, ", class {}", self.class_short(r.class));
            if self.flavor == Flavor::Mdns && r.class & 0x8000 != 0 {
                line.push_str(", cache flush");
            }
            if !r.is_cut() {
                line.push_str(&line_suffix(self.m, r));
            }
        }
        let node = self.txt(sec, line, r.span());
        if r.rtype == 33 && !r.name.is_root() && r.name.issue.is_none() {
            let mut parts = r.name.text.splitn(3, '.');
            let span = r.name.span();
            let s = self.string(
                node,
                "dns.srv.service",
                "Service",
                parts.next().unwrap_or(""),
                span.clone(),
            );
            self.name_notes(s, &r.name);
            if let Some(p) = parts.next() {
                self.string(node, "dns.srv.proto", "Protocol", p, span.clone());
                if let Some(n) = parts.next() {
                    self.string(node, "dns.srv.name", "Name", n, span);
                }
            }
        } else {
            self.name(node, "dns.resp.name", "Name", &r.name);
        }
        let f = r.fixed_at();
        let ty = self.uint(node, "dns.resp.type", "Type", u64::from(r.rtype), f, 2);
        self.t.set_text(ty, type_field(r.rtype));
        if r.is_opt() {
            if self.flavor == Flavor::Mdns {
                let at = self.at(f + 2);
                let c = r.class & 0x7fff;
                let id = self.t.bits(
                    node,
                    "dns.rr.udp_payload_size",
                    "UDP payload size",
                    Value::UInt(u64::from(c)),
                    16,
                    0x7fff,
                    at,
                    2,
                );
                self.t.set_text(id, format!("0x{c:04x}"));
                let b = self.t.bits(
                    node,
                    "dns.resp.cache_flush",
                    "Cache flush",
                    Value::Bool(r.class & 0x8000 != 0),
                    16,
                    0x8000,
                    at,
                    2,
                );
                self.t.set_text(b, tfs(r.class & 0x8000 != 0, "True", "False"));
            } else {
                self.uint(
                    node,
                    "dns.rr.udp_payload_size",
                    "UDP payload size",
                    u64::from(r.class),
                    f + 2,
                    2,
                );
            }
            let at = self.at(f + 4);
            self.t.hex(
                node,
                "dns.resp.ext_rcode",
                "Higher bits in extended RCODE",
                u64::from(r.ext_rcode()),
                2,
                at,
                1,
            );
            if msg.header.is_response() && r.ext_rcode() != 0 {
                let full = msg.rcode();
                let id = self.t.add(
                    Some(node),
                    "wirelens.dns.ext_rcode",
                    "Extended RCODE",
                    Value::UInt(u64::from(full)),
                    at,
                    1,
                );
                let name = match (tables::rcode_mnemonic(full), tables::rcode_name(full)) {
                    (Some(m), Some(n)) => format!("{full} ({m}: {n})"),
                    _ => format!("{full} (unassigned)"),
                };
                self.t.set_text(
                    id,
                    format!(
                        "{name} = {} x 16 + the header's {}: the real response code of this answer",
                        r.ext_rcode(),
                        msg.header.rcode()
                    ),
                );
                self.t.set_generated(id);
            }
            let at = self.at(f + 5);
            self.t.uint(
                node,
                "dns.resp.edns0_version",
                "EDNS0 version",
                u64::from(r.edns_version()),
                at,
                1,
            );
            let z = (r.ttl & 0xffff) as u16;
            let at = self.at(f + 6);
            let zn = self.t.hex(node, "dns.resp.z", "Z", u64::from(z), 4, at, 2);
            let d = self.t.bits(
                zn,
                "dns.resp.z.do",
                "DO bit",
                Value::Bool(z & 0x8000 != 0),
                16,
                0x8000,
                at,
                2,
            );
            self.t.set_text(
                d,
                tfs(
                    z & 0x8000 != 0,
                    "Accepts DNSSEC security RRs",
                    "Cannot handle DNSSEC security RRs",
                ),
            );
            let rs = self.t.bits(
                zn,
                "dns.resp.z.reserved",
                "Reserved",
                Value::UInt(u64::from(z & 0x7fff)),
                16,
                0x7fff,
                at,
                2,
            );
            self.t.set_text(rs, format!("0x{:04x}", z & 0x7fff));
        } else {
            self.class_nodes(
                node,
                "dns.resp.class",
                ("dns.resp.cache_flush", "Cache flush"),
                r.class,
                f + 2,
            );
            let ttl = self.uint(node, "dns.resp.ttl", "Time to live", u64::from(r.ttl), f + 4, 4);
            self.t.set_text(ttl, format!("{} ({})", r.ttl, secs_text(r.ttl)));
            if r.ttl & 0x8000_0000 != 0 {
                let at = self.at(f + 4);
                self.t.expert(
                    ttl,
                    Severity::Warning,
                    "dns.ttl.high_bit_set",
                    "The uppermost bit of the TTL is set (RFC 2181, section 8)",
                    at,
                    4,
                );
            }
        }
        self.uint(node, "dns.resp.len", "Data length", u64::from(r.rdlen), f + 8, 2);
        if r.rdlen > 0 && !r.rdata.is_empty() {
            self.rdata(node, r);
        }
    }

    fn rdata(&mut self, node: NodeId, r: &Record) {
        let s = r.rdata.start;
        let used_to = match &r.data {
            Rdata::Empty | Rdata::Null | Rdata::Raw | Rdata::Bad(_) => r.rdata.end,
            Rdata::A(a) => {
                let at = self.at(s);
                self.t.add(Some(node), "dns.a", "Address", Value::Ipv4(*a), at, 4);
                s + 4
            }
            Rdata::Aaaa(a) => {
                let at = self.at(s);
                self.t
                    .add(Some(node), "dns.aaaa", "AAAA Address", Value::Ipv6(*a), at, 16);
                s + 16
            }
            Rdata::Name(n) => {
                let (field, label) = name_field(r.rtype);
                self.name(node, field, label, n);
                n.span().end
            }
            Rdata::Soa {
                mname,
                rname,
                nums_at,
                nums,
            } => {
                self.name(node, "dns.soa.mname", "Primary name server", mname);
                self.name(node, "dns.soa.rname", "Responsible authority's mailbox", rname);
                let fields: [(&'static str, &'static str, bool); 5] = [
                    ("dns.soa.serial_number", "Serial Number", false),
                    ("dns.soa.refresh_interval", "Refresh Interval", true),
                    ("dns.soa.retry_interval", "Retry Interval", true),
                    ("dns.soa.expire_limit", "Expire limit", true),
                    ("dns.soa.minimum_ttl", "Minimum TTL", true),
                ];
                for (i, ((field, label, dur), v)) in fields.into_iter().zip(nums.iter()).enumerate() {
                    let id = self.uint(node, field, label, u64::from(*v), nums_at + 4 * i, 4);
                    if dur {
                        self.t.set_text(id, format!("{v} ({})", secs_text(*v)));
                    }
                }
                nums_at + 20
            }
            Rdata::Mx { preference, exchange } => {
                self.uint(node, "dns.mx.preference", "Preference", u64::from(*preference), s, 2);
                self.name(node, "dns.mx.mail_exchange", "Mail Exchange", exchange);
                exchange.span().end
            }
            Rdata::Txt(strings) => {
                let (lf, ll, sf, sl) = if r.rtype == 99 {
                    ("dns.spf.length", "SPF Length", "dns.spf", "SPF")
                } else {
                    ("dns.txt.length", "TXT Length", "dns.txt", "TXT")
                };
                for c in strings {
                    self.uint(node, lf, ll, c.len() as u64, c.start.saturating_sub(1), 1);
                    let v = self.bytes_str(c);
                    self.string(node, sf, sl, v, c.clone());
                }
                r.rdata.end
            }
            Rdata::Srv {
                priority,
                weight,
                port,
                target,
            } => {
                self.uint(node, "dns.srv.priority", "Priority", u64::from(*priority), s, 2);
                self.uint(node, "dns.srv.weight", "Weight", u64::from(*weight), s + 2, 2);
                self.uint(node, "dns.srv.port", "Port", u64::from(*port), s + 4, 2);
                self.name(node, "dns.srv.target", "Target", target);
                target.span().end
            }
            Rdata::Hinfo { cpu, os } => {
                self.uint(
                    node,
                    "dns.hinfo.cpu_length",
                    "CPU Length",
                    cpu.len() as u64,
                    cpu.start.saturating_sub(1),
                    1,
                );
                let v = self.bytes_str(cpu);
                self.string(node, "dns.hinfo.cpu", "CPU", v, cpu.clone());
                self.uint(
                    node,
                    "dns.hinfo.os_length",
                    "OS Length",
                    os.len() as u64,
                    os.start.saturating_sub(1),
                    1,
                );
                let v = self.bytes_str(os);
                self.string(node, "dns.hinfo.os", "OS", v, os.clone());
                os.end
            }
            Rdata::Caa { flags, tag, value } => {
                let at = self.at(s);
                let fl = self
                    .t
                    .hex(node, "dns.caa.flags", "CAA Flags", u64::from(*flags), 2, at, 1);
                let b = self.t.bits(
                    fl,
                    "dns.caa.flags.issuer_critical",
                    "Issuer Critical",
                    Value::Bool(flags & 0x80 != 0),
                    8,
                    0x80,
                    at,
                    1,
                );
                self.t.set_text(b, tfs(flags & 0x80 != 0, "Critical", "Not critical"));
                let tag_bytes = self.m.get(tag.clone()).unwrap_or(&[]);
                let (field, label) = match tag_bytes {
                    b"issue" => ("dns.caa.issue", "Issue"),
                    b"issuewild" => ("dns.caa.issuewild", "Issue Wildcard"),
                    b"iodef" => ("dns.caa.iodef", "Report URL"),
                    _ => ("dns.caa.unknown", "Unknown tag"),
                };
                let v = self.bytes_str(value);
                let p = self.string(node, field, label, v.clone(), tag.start.saturating_sub(1)..value.end);
                self.uint(
                    p,
                    "dns.caa.tag_length",
                    "Tag length",
                    tag.len() as u64,
                    tag.start.saturating_sub(1),
                    1,
                );
                let tv = self.bytes_str(tag);
                self.string(p, "dns.caa.tag", "Tag", tv, tag.clone());
                self.string(p, "dns.caa.value", "Value", v, value.clone());
                r.rdata.end
            }
            Rdata::Svcb {
                priority,
                target,
                params,
            } => {
                self.uint(node, "dns.svcb.svcpriority", "SvcPriority", u64::from(*priority), s, 2);
                self.name(node, "dns.svcb.targetname", "TargetName", target);
                for p in params {
                    self.svc_param(node, p);
                }
                r.rdata.end
            }
            Rdata::Opt(opts) => {
                for o in opts {
                    self.edns_option(node, o);
                }
                r.rdata.end
            }
            Rdata::Naptr {
                order,
                preference,
                flags,
                service,
                regex,
                replacement,
            } => {
                self.uint(node, "dns.naptr.order", "Order", u64::from(*order), s, 2);
                self.uint(
                    node,
                    "dns.naptr.preference",
                    "Preference",
                    u64::from(*preference),
                    s + 2,
                    2,
                );
                for (lf, ll, sf, sl, r) in [
                    (
                        "dns.naptr.flags_length",
                        "Flags Length",
                        "dns.naptr.flags",
                        "Flags",
                        flags,
                    ),
                    (
                        "dns.naptr.service_length",
                        "Service Length",
                        "dns.naptr.service",
                        "Service",
                        service,
                    ),
                    (
                        "dns.naptr.regex_length",
                        "Regex Length",
                        "dns.naptr.regex",
                        "Regex",
                        regex,
                    ),
                ] {
                    self.uint(node, lf, ll, r.len() as u64, r.start.saturating_sub(1), 1);
                    let v = self.bytes_str(r);
                    self.string(node, sf, sl, v, r.clone());
                }
                let at = self.at(replacement.at);
                let l = self.t.uint(
                    node,
                    "dns.naptr.replacement_length",
                    "Replacement Length",
                    replacement.shown_len() as u64,
                    at,
                    replacement.len,
                );
                self.t.set_generated(l);
                self.name(node, "dns.naptr.replacement", "Replacement", replacement);
                replacement.span().end
            }
        };
        match &r.data {
            Rdata::Null => {
                let at = self.at(s);
                self.hexbytes(node, "dns.null", "Null (data)", at, r.rdata.len());
            }
            Rdata::Raw => {
                let at = self.at(s);
                let typed = match r.rtype {
                    47 => {
                        self.nsec(node, r);
                        true
                    }
                    50 | 51 => self.nsec3(node, r),
                    _ => self.dnssec(node, r),
                };
                if !typed {
                    self.t.expert(
                        node,
                        Severity::Note,
                        "wirelens.dns.rdata_undecoded",
                        format!("Record data of type {} is shown as bytes", type_name(r.rtype)),
                        at,
                        r.rdata.len(),
                    );
                    self.hexbytes(node, "dns.data", "Data", at, r.rdata.len());
                }
            }
            Rdata::Bad(why) => {
                let at = self.at(s);
                self.t.expert(
                    node,
                    Severity::Warning,
                    "wirelens.dns.rdata_malformed",
                    format!("Record data does not parse as {}: {why}", type_name(r.rtype)),
                    at,
                    r.rdata.len(),
                );
                self.hexbytes(node, "dns.data", "Data", at, r.rdata.len());
            }
            _ => {
                if let Some(why) = wire::rdata_fault(self.m, r) {
                    let at = self.at(r.rdata.start);
                    self.t.expert(
                        node,
                        Severity::Warning,
                        "wirelens.dns.rdata_malformed",
                        format!("Malformed {} data: {why}", type_name(r.rtype)),
                        at,
                        r.rdata.len(),
                    );
                } else {
                    self.check_rdata(node, r, used_to);
                }
            }
        }
    }

    /// Data that ends before or after RDLENGTH says, and what hickory-proto makes of it.
    fn check_rdata(&mut self, node: NodeId, r: &Record, used_to: usize) {
        let end = r.rdata.start.saturating_add(usize::from(r.rdlen));
        let at = self.at(r.rdata.start);
        if used_to < end && !r.is_cut() {
            let extra = end - used_to;
            self.t.expert(
                node,
                Severity::Note,
                "wirelens.dns.rdata_extra",
                format!(
                    "{extra} bytes of record data after the {} data are not used",
                    type_name(r.rtype)
                ),
                self.o.saturating_add(used_to),
                extra,
            );
        } else if used_to > end {
            self.t.expert(
                node,
                Severity::Warning,
                "wirelens.dns.rdata_overrun",
                format!(
                    "The {} data runs {} bytes past its data length ({})",
                    type_name(r.rtype),
                    used_to - end,
                    r.rdlen
                ),
                at,
                r.rdata.len(),
            );
        } else if !r.is_cut() {
            if let Err(e) = super::typed_rdata(self.m, r) {
                self.t.expert(
                    node,
                    Severity::Note,
                    "wirelens.dns.rdata_rejected",
                    format!("hickory-proto rejects this {} data: {e}", type_name(r.rtype)),
                    at,
                    r.rdata.len(),
                );
            }
        }
    }

    fn nsec(&mut self, node: NodeId, r: &Record) {
        let Ok(next) = wire::read_name(self.m, r.rdata.start) else {
            let at = self.at(r.rdata.start);
            self.hexbytes(node, "dns.data", "Data", at, r.rdata.len());
            return;
        };
        self.name(node, "dns.nsec.next_domain_name", "Next Domain Name", &next);
        self.type_bitmap(node, next.span().end, r.rdata.end);
    }

    /// The type bit maps of NSEC and NSEC3 (RFC 4034 section 4.1.2).
    fn type_bitmap(&mut self, node: NodeId, mut at: usize, end: usize) {
        while at.saturating_add(2) <= end {
            let (Some(win), Some(len)) = (u8_at(self.m, at), u8_at(self.m, at + 1)) else {
                break;
            };
            let from = at + 2;
            let to = from.saturating_add(usize::from(len)).min(end);
            for (i, byte) in self.m.get(from..to).unwrap_or(&[]).iter().enumerate() {
                for bit in 0..8u16 {
                    if byte & (0x80 >> bit) != 0 {
                        let ty = (u16::from(win) << 8) | (((i as u16) << 3) + bit);
                        let long = type_field(ty);
                        let text = match tables::type_short(ty) {
                            Some(_) => long.strip_suffix(&format!(" ({ty})")).unwrap_or(&long).to_string(),
                            None => long,
                        };
                        let id = self.uint(node, "dns.resp.type", "RR type in bit map", u64::from(ty), from + i, 1);
                        self.t.set_text(id, text);
                    }
                }
            }
            at = from.saturating_add(usize::from(len));
        }
    }

    /// RRSIG, DNSKEY/CDNSKEY and DS/CDS (RFC 4034, 7344); false for other
    /// types and for data too short for their fixed fields.
    fn dnssec(&mut self, node: NodeId, r: &Record) -> bool {
        let (s, e) = (r.rdata.start, r.rdata.end);
        let alg_text = |a: u8| format!("{} ({a})", tables::dnssec_alg_name(a));
        match r.rtype {
            46 if e >= s + 18 => {
                let Ok(signer) = wire::read_name(self.m, s + 18) else {
                    return false;
                };
                let covered = u16_at(self.m, s).unwrap_or(0);
                let id = self.uint(node, "dns.rrsig.type_covered", "Type Covered", u64::from(covered), s, 2);
                self.t.set_text(id, type_field(covered));
                let alg = u8_at(self.m, s + 2).unwrap_or(0);
                let id = self.uint(node, "dns.rrsig.algorithm", "Algorithm", u64::from(alg), s + 2, 1);
                self.t.set_text(id, alg_text(alg));
                self.uint(
                    node,
                    "dns.rrsig.labels",
                    "Labels",
                    u64::from(u8_at(self.m, s + 3).unwrap_or(0)),
                    s + 3,
                    1,
                );
                let ttl = u32_at(self.m, s + 4).unwrap_or(0);
                let id = self.uint(node, "dns.rrsig.original_ttl", "Original TTL", u64::from(ttl), s + 4, 4);
                self.t.set_text(id, format!("{ttl} ({})", secs_text(ttl)));
                for (field, label, o) in [
                    ("dns.rrsig.signature_expiration", "Signature Expiration", s + 8),
                    ("dns.rrsig.signature_inception", "Signature Inception", s + 12),
                ] {
                    let secs = i64::from(u32_at(self.m, o).unwrap_or(0));
                    let at = self.at(o);
                    let id = self
                        .t
                        .add(Some(node), field, label, Value::Time { secs, nanos: 0 }, at, 4);
                    self.t.set_text(id, crate::net::icmp::absolute_time_text(secs, 0));
                }
                self.uint(
                    node,
                    "dns.rrsig.key_tag",
                    "Key Tag",
                    u64::from(u16_at(self.m, s + 16).unwrap_or(0)),
                    s + 16,
                    2,
                );
                self.name(node, "dns.rrsig.signers_name", "Signer's name", &signer);
                let sig = signer.span().end..e.max(signer.span().end);
                self.long_bytes(node, "dns.rrsig.signature", "Signature", sig);
                true
            }
            48 | 60 if e >= s + 4 => {
                let flags = u16_at(self.m, s).unwrap_or(0);
                let at = self.at(s);
                let fl = self
                    .t
                    .hex(node, "dns.dnskey.flags", "Flags", u64::from(flags), 4, at, 2);
                for (field, label, mask, yes, no) in [
                    (
                        "dns.dnskey.flags.zone_key",
                        "Zone Key",
                        0x0100u16,
                        "This is the zone key for specified zone",
                        "This is not a zone key",
                    ),
                    ("dns.dnskey.flags.key_revoked", "Key Revoked", 0x0080, "Yes", "No"),
                    (
                        "dns.dnskey.flags.secure_entry_point",
                        "Key Signing Key",
                        0x0001,
                        "Yes",
                        "No",
                    ),
                ] {
                    let b = self.t.bits(
                        fl,
                        field,
                        label,
                        Value::Bool(flags & mask != 0),
                        16,
                        u64::from(mask),
                        at,
                        2,
                    );
                    self.t.set_text(b, tfs(flags & mask != 0, yes, no));
                }
                let rsv = flags & 0xfe7e;
                let b = self.t.bits(
                    fl,
                    "dns.dnskey.flags.reserved",
                    "Key Signing Key",
                    Value::UInt(u64::from(rsv >> 1)),
                    16,
                    0xfe7e,
                    at,
                    2,
                );
                self.t.set_text(b, format!("0x{rsv:04x}"));
                self.uint(
                    node,
                    "dns.dnskey.protocol",
                    "Protocol",
                    u64::from(u8_at(self.m, s + 2).unwrap_or(0)),
                    s + 2,
                    1,
                );
                let alg = u8_at(self.m, s + 3).unwrap_or(0);
                let id = self.uint(node, "dns.dnskey.algorithm", "Algorithm", u64::from(alg), s + 3, 1);
                self.t.set_text(id, alg_text(alg));
                let tag = key_tag(self.m.get(s..e).unwrap_or(&[]));
                let id = self.uint(node, "dns.dnskey.key_id", "Key id", u64::from(tag), s, e - s);
                self.t.set_generated(id);
                self.long_bytes(node, "dns.dnskey.public_key", "Public Key", s + 4..e);
                true
            }
            43 | 59 if e >= s + 4 => {
                let at = self.at(s);
                self.t.hex(
                    node,
                    "dns.ds.key_id",
                    "Key id",
                    u64::from(u16_at(self.m, s).unwrap_or(0)),
                    4,
                    at,
                    2,
                );
                let alg = u8_at(self.m, s + 2).unwrap_or(0);
                let id = self.uint(node, "dns.ds.algorithm", "Algorithm", u64::from(alg), s + 2, 1);
                self.t.set_text(id, alg_text(alg));
                let dt = u8_at(self.m, s + 3).unwrap_or(0);
                let id = self.uint(node, "dns.ds.digest_type", "Digest Type", u64::from(dt), s + 3, 1);
                self.t.set_text(id, format!("{} ({dt})", tables::ds_digest_name(dt)));
                let at = self.at(s + 4);
                self.hexbytes(node, "dns.ds.digest", "Digest", at, e - s - 4);
                true
            }
            _ => false,
        }
    }

    /// Bytes shown as Wireshark shows long ones: the first 36 in hex, then an ellipsis.
    fn long_bytes(&mut self, node: NodeId, field: &'static str, label: &'static str, r: Range<usize>) {
        let at = self.at(r.start);
        let id = self.hexbytes(node, field, label, at, r.len());
        if r.len() > 36 {
            let mut s = String::new();
            crate::tree::write_hex(&mut s, self.m.get(r.start..r.start + 36).unwrap_or(&[]), None);
            s.push('\u{2026}');
            self.t.set_text(id, s);
        }
    }

    /// NSEC3 and NSEC3PARAM (RFC 5155); false when the data is too short.
    fn nsec3(&mut self, node: NodeId, r: &Record) -> bool {
        let s = r.rdata.start;
        let e = r.rdata.end;
        let (Some(alg), Some(flags), Some(iter), Some(slen)) = (
            u8_at(self.m, s),
            u8_at(self.m, s + 1),
            u16_at(self.m, s + 2),
            u8_at(self.m, s + 4),
        ) else {
            return false;
        };
        let salt = s + 5..s + 5 + usize::from(slen);
        if salt.end > e {
            return false;
        }
        let hash_at = salt.end;
        let hlen = if r.rtype == 50 {
            u8_at(self.m, hash_at).filter(|_| hash_at < e)
        } else {
            Some(0)
        };
        let Some(hlen) = hlen else { return false };
        let hash = hash_at + 1..hash_at + 1 + usize::from(hlen);
        if r.rtype == 50 && hash.end > e {
            return false;
        }
        let id = self.uint(node, "dns.nsec3.algo", "Hash algorithm", u64::from(alg), s, 1);
        self.t.set_text(id, format!("{} ({alg})", tables::nsec3_hash_name(alg)));
        let fl = self.uint(node, "dns.nsec3.flags", "NSEC3 flags", u64::from(flags), s + 1, 1);
        if r.rtype == 50 {
            let at = self.at(s + 1);
            let b = self.t.bits(
                fl,
                "dns.nsec3.flags.opt_out",
                "NSEC3 Opt-out flag",
                Value::Bool(flags & 1 != 0),
                8,
                1,
                at,
                1,
            );
            self.t.set_text(
                b,
                tfs(
                    flags & 1 != 0,
                    "Additional insecure delegations allowed",
                    "Additional insecure delegations forbidden",
                ),
            );
        }
        self.uint(
            node,
            "dns.nsec3.iterations",
            "NSEC3 iterations",
            u64::from(iter),
            s + 2,
            2,
        );
        self.uint(node, "dns.nsec3.salt_length", "Salt length", u64::from(slen), s + 4, 1);
        self.missing_or_bytes(node, "dns.nsec3.salt_value", "Salt value", salt);
        if r.rtype == 51 {
            return true;
        }
        self.uint(
            node,
            "dns.nsec3.hash_length",
            "Hash length",
            u64::from(hlen),
            hash_at,
            1,
        );
        let h = base32hex(self.m.get(hash.clone()).unwrap_or(&[]));
        let id = self.string(node, "dns.nsec3.hash_value", "Next hashed owner", h, hash.clone());
        self.t.set_generated(id);
        self.type_bitmap(node, hash.end, e);
        true
    }

    fn svc_param(&mut self, node: NodeId, p: &SvcParam) {
        let v = p.value.clone();
        let value = self.m.get(v.clone()).unwrap_or(&[]);
        let summary = svc_summary(p.key, value);
        let at = self.at(p.at);
        let pn = self.t.text(
            Some(node),
            "dns.svcb.svcparam",
            format!("SvcParam: {summary}"),
            at,
            4 + v.len(),
        );
        let k = self.uint(pn, "dns.svcb.svcparam.key", "SvcParamKey", u64::from(p.key), p.at, 2);
        self.t.set_text(k, tables::svc_key_field(p.key));
        self.uint(
            pn,
            "dns.svcb.svcparam.value.length",
            "SvcParamValue length",
            v.len() as u64,
            p.at + 2,
            2,
        );
        match p.key {
            0 => {
                let mut o = v.start;
                while o + 2 <= v.end {
                    let key = u16_at(self.m, o).unwrap_or(0);
                    let id = self.uint(
                        pn,
                        "dns.svcb.svcparam.mandatory.key",
                        "Mandatory key",
                        u64::from(key),
                        o,
                        2,
                    );
                    self.t.set_text(id, tables::svc_key_field(key));
                    o += 2;
                }
            }
            1 => {
                let mut o = v.start;
                while o < v.end {
                    let n = usize::from(u8_at(self.m, o).unwrap_or(0));
                    self.uint(pn, "dns.svcb.svcparam.alpn.length", "ALPN length", n as u64, o, 1);
                    if o + 1 + n > v.end {
                        break;
                    }
                    let r = o + 1..o + 1 + n;
                    let s = self.bytes_str(&r);
                    self.string(pn, "dns.svcb.svcparam.alpn", "ALPN", s, r);
                    o += 1 + n;
                }
            }
            3 if v.len() >= 2 => {
                let port = u16_at(self.m, v.start).unwrap_or(0);
                self.uint(pn, "dns.svcb.svcparam.port", "Port", u64::from(port), v.start, 2);
            }
            4 => {
                for c in value.chunks_exact(4).enumerate() {
                    let (i, b) = c;
                    let a = Ipv4Addr::new(
                        b.first().copied().unwrap_or(0),
                        b.get(1).copied().unwrap_or(0),
                        b.get(2).copied().unwrap_or(0),
                        b.get(3).copied().unwrap_or(0),
                    );
                    let at = self.at(v.start + 4 * i);
                    self.t
                        .add(Some(pn), "dns.svcb.svcparam.ipv4hint.ip", "IP", Value::Ipv4(a), at, 4);
                }
            }
            5 => {
                let at = self.at(v.start);
                let id = self.hexbytes(pn, "dns.svcb.svcparam.echconfig", "ECHConfig", at, v.len());
                self.t.set_text(id, base64(value));
            }
            6 => {
                for (i, b) in value.chunks_exact(16).enumerate() {
                    let mut a = [0u8; 16];
                    a.copy_from_slice(b);
                    let at = self.at(v.start + 16 * i);
                    self.t.add(
                        Some(pn),
                        "dns.svcb.svcparam.ipv6hint.ip",
                        "IP",
                        Value::Ipv6(Ipv6Addr::from(a)),
                        at,
                        16,
                    );
                }
            }
            2 | 65535 => {}
            _ => {
                let at = self.at(v.start);
                self.hexbytes(pn, "dns.svcb.svcparam.value", "SvcParamValue", at, v.len());
            }
        }
    }

    fn edns_option(&mut self, node: NodeId, o: &EdnsOption) {
        let d = o.data.clone();
        let name = tables::edns_option_name(o.code);
        let at = self.at(o.at);
        let on = self
            .t
            .text(Some(node), "dns.opt", format!("Option: {name}"), at, 4 + d.len());
        let c = self.uint(on, "dns.opt.code", "Option Code", u64::from(o.code), o.at, 2);
        self.t.set_text(c, format!("{name} ({})", o.code));
        self.uint(on, "dns.opt.len", "Option Length", d.len() as u64, o.at + 2, 2);
        self.missing_or_bytes(on, "dns.opt.data", "Option Data", d.clone());
        let data = self.m.get(d.clone()).unwrap_or(&[]);
        match o.code {
            8 if d.len() < 4 => {
                if let Some(family) = u16_at(self.m, d.start).filter(|_| d.len() >= 2) {
                    let f = self.uint(on, "dns.opt.client.family", "Family", u64::from(family), d.start, 2);
                    self.t.set_text(f, format!("{} ({family})", family_name(family)));
                }
                if let Some(src) = u8_at(self.m, d.start + 2).filter(|_| d.len() >= 3) {
                    self.uint(
                        on,
                        "dns.opt.client.netmask",
                        "Source Netmask",
                        u64::from(src),
                        d.start + 2,
                        1,
                    );
                }
            }
            8 => {
                let family = u16_at(self.m, d.start).unwrap_or(0);
                let f = self.uint(on, "dns.opt.client.family", "Family", u64::from(family), d.start, 2);
                self.t.set_text(f, format!("{} ({family})", family_name(family)));
                let src = u8_at(self.m, d.start + 2).unwrap_or(0);
                self.uint(
                    on,
                    "dns.opt.client.netmask",
                    "Source Netmask",
                    u64::from(src),
                    d.start + 2,
                    1,
                );
                self.uint(
                    on,
                    "dns.opt.client.scope",
                    "Scope Netmask",
                    u64::from(u8_at(self.m, d.start + 3).unwrap_or(0)),
                    d.start + 3,
                    1,
                );
                let a = d.start + 4..d.end;
                let addr = data.get(4..).unwrap_or(&[]);
                let at = self.at(a.start);
                match family {
                    1 if addr.len() <= 4 => {
                        let mut b = [0u8; 4];
                        for (x, y) in b.iter_mut().zip(addr) {
                            *x = *y;
                        }
                        self.t.add(
                            Some(on),
                            "dns.opt.client.addr4",
                            "Client Subnet",
                            Value::Ipv4(Ipv4Addr::from(b)),
                            at,
                            a.len(),
                        );
                    }
                    2 if addr.len() <= 16 => {
                        let mut b = [0u8; 16];
                        for (x, y) in b.iter_mut().zip(addr) {
                            *x = *y;
                        }
                        self.t.add(
                            Some(on),
                            "dns.opt.client.addr6",
                            "Client Subnet",
                            Value::Ipv6(Ipv6Addr::from(b)),
                            at,
                            a.len(),
                        );
                    }
                    1 | 2 => {
                        let id = self.hexbytes(on, "dns.opt.client.addr", "Client Subnet", at, a.len());
                        self.t.expert(
                            id,
                            Severity::Warning,
                            "dns.rr.opt.bad_length",
                            "Length too long for any type of IP address.",
                            at,
                            a.len(),
                        );
                    }
                    _ => {
                        self.hexbytes(on, "dns.opt.client.addr", "Client Subnet", at, a.len());
                    }
                }
                let need = usize::from(src).div_ceil(8);
                if (family == 1 || family == 2) && addr.len() != need {
                    self.t.expert(
                        on,
                        Severity::Warning,
                        "wirelens.dns.ecs_address_length",
                        format!(
                            "A source prefix of /{src} needs {need} address bytes, {} are present (RFC 7871 section 6)",
                            addr.len()
                        ),
                        at,
                        a.len(),
                    );
                }
            }
            10 if d.len() >= 8 => {
                let at = self.at(d.start);
                self.hexbytes(on, "dns.opt.cookie.client", "Client Cookie", at, 8);
                self.missing_or_bytes(on, "dns.opt.cookie.server", "Server Cookie", d.start + 8..d.end);
            }
            11 if d.len() == 2 => {
                let v = u16_at(self.m, d.start).unwrap_or(0);
                self.uint(
                    on,
                    "dns.opt.edns_tcp_keepalive.timeout",
                    "Timeout",
                    u64::from(v),
                    d.start,
                    2,
                );
            }
            12 if !d.is_empty() => {
                let at = self.at(d.start);
                self.hexbytes(on, "dns.opt.padding", "Padding", at, d.len());
            }
            13 if !d.is_empty() => {
                // A name in wire form, not compressed: shown label by label like Wireshark.
                let s = self.bytes_str(&d);
                self.string(on, "dns.opt.chain.fqdn", "Closest Trust Point", s, d);
            }
            15 if d.len() >= 2 => {
                let code = u16_at(self.m, d.start).unwrap_or(0);
                let id = self.uint(
                    on,
                    "dns.opt.ext_error.info_code",
                    "Info Code",
                    u64::from(code),
                    d.start,
                    2,
                );
                self.t.set_text(id, format!("{} ({code})", tables::ede_name(code)));
                if d.len() > 2 {
                    let r = d.start + 2..d.end;
                    let s = self.bytes_str(&r);
                    self.string(on, "dns.opt.ext_error.extra_text", "Extra Text", s, r);
                }
            }
            5..=7 => {
                let (field, label, names): (&'static str, &'static str, fn(u8) -> &'static str) = match o.code {
                    5 => ("dns.opt.dau", "DAU", tables::dnssec_alg_name),
                    6 => ("dns.opt.dhu", "DHU", tables::ds_digest_name),
                    _ => ("dns.opt.n3u", "N3U", tables::nsec3_hash_name),
                };
                for (i, a) in data.iter().enumerate() {
                    let id = self.uint(on, field, label, u64::from(*a), d.start + i, 1);
                    self.t.set_text(id, format!("{} ({a})", names(*a)));
                }
            }
            _ => {}
        }
    }

    /// A bytes field; empty shows `<MISSING>` as Wireshark does.
    fn missing_or_bytes(&mut self, parent: NodeId, field: &'static str, label: &'static str, r: Range<usize>) {
        let at = self.at(r.start);
        if r.is_empty() {
            self.t.string(parent, field, label, "<MISSING>", at, 0);
        } else {
            self.hexbytes(parent, field, label, at, r.len());
        }
    }
}

fn family_name(f: u16) -> &'static str {
    match f {
        1 => "IPv4",
        2 => "IPv6",
        _ => "Unknown",
    }
}

fn span_of(spans: impl Iterator<Item = Range<usize>>, empty_at: usize) -> Range<usize> {
    let mut out: Option<Range<usize>> = None;
    for s in spans {
        out = Some(match out {
            None => s,
            Some(o) => o.start.min(s.start)..o.end.max(s.end),
        });
    }
    out.unwrap_or(empty_at..empty_at)
}

/// The field of a single-name record type.
fn name_field(t: u16) -> (&'static str, &'static str) {
    match t {
        2 => ("dns.ns", "Name Server"),
        3 => ("dns.md", "Mail Destination"),
        4 => ("dns.mf", "Mail Forwarder"),
        5 => ("dns.cname", "CNAME"),
        7 => ("dns.mb", "MailBox Domaine"),
        8 => ("dns.mg", "Mail Group member"),
        9 => ("dns.mr", "Mail Rename domaine"),
        12 => ("dns.ptr.domain_name", "Domain Name"),
        _ => ("dns.dname", "Dname"),
    }
}

/// What a record's summary line adds after its class.
fn line_suffix(m: &[u8], r: &Record) -> String {
    match &r.data {
        Rdata::A(a) => format!(", addr {a}"),
        Rdata::Aaaa(a) => format!(", addr {a}"),
        Rdata::Name(n) => match r.rtype {
            2 => format!(", ns {}", n.text),
            5 => format!(", cname {}", n.text),
            12 => format!(", {}", n.text),
            39 => format!(", dname {}", n.text),
            3 => format!(", md {}", n.text),
            4 => format!(", mf {}", n.text),
            7 => format!(", mb {}", n.text),
            8 => format!(", mg {}", n.text),
            _ => format!(", mr {}", n.text),
        },
        Rdata::Soa { mname, .. } => format!(", mname {}", mname.text),
        Rdata::Naptr {
            order,
            preference,
            flags,
            ..
        } => format!(
            ", order {order}, preference {preference}, flags {}",
            show_bytes(m.get(flags.clone()).unwrap_or(&[]))
        ),
        Rdata::Mx { preference, exchange } => format!(", preference {preference}, mx {}", exchange.text),
        Rdata::Srv {
            priority,
            weight,
            port,
            target,
        } => format!(
            ", priority {priority}, weight {weight}, port {port}, target {}",
            target.text
        ),
        Rdata::Hinfo { cpu, os } => format!(
            ", CPU {}, OS {}",
            show_bytes(m.get(cpu.clone()).unwrap_or(&[])),
            show_bytes(m.get(os.clone()).unwrap_or(&[]))
        ),
        Rdata::Raw if r.rtype == 47 => match wire::read_name(m, r.rdata.start) {
            Ok(n) => format!(", next domain name {}", n.text),
            Err(_) => String::new(),
        },
        _ => String::new(),
    }
}

/// What a record adds to the Info column after its type.
pub(super) fn info_suffix(m: &[u8], r: &Record, owner: &Name) -> String {
    match &r.data {
        Rdata::A(a) => format!(" {a}"),
        Rdata::Aaaa(a) => format!(" {a}"),
        Rdata::Name(n) => format!(" {}", n.text),
        Rdata::Soa { mname, .. } => format!(" {}", mname.text),
        Rdata::Naptr {
            order,
            preference,
            flags,
            ..
        } => format!(
            " {order} {preference} {}",
            show_bytes(m.get(flags.clone()).unwrap_or(&[]))
        ),
        Rdata::Mx { preference, exchange } => format!(" {preference} {}", exchange.text),
        Rdata::Srv {
            priority,
            weight,
            port,
            target,
        } => format!(" {priority} {weight} {port} {}", target.text),
        Rdata::Hinfo { cpu, os } => format!(
            " {} {}",
            show_bytes(m.get(cpu.clone()).unwrap_or(&[])),
            show_bytes(m.get(os.clone()).unwrap_or(&[]))
        ),
        Rdata::Null => format!(" {}", owner.text),
        Rdata::Raw if r.rtype == 51 => format!(" {}", owner.text),
        Rdata::Raw if r.rtype == 11 && r.rdata.len() >= 4 => {
            let b = m.get(r.rdata.start..r.rdata.start + 4).unwrap_or(&[0; 4]);
            let a = Ipv4Addr::new(
                b.first().copied().unwrap_or(0),
                b.get(1).copied().unwrap_or(0),
                b.get(2).copied().unwrap_or(0),
                b.get(3).copied().unwrap_or(0),
            );
            format!(" {a}")
        }
        Rdata::Raw if r.rtype == 47 => match wire::read_name(m, r.rdata.start) {
            Ok(n) => format!(" {}", n.text),
            Err(_) => String::new(),
        },
        _ => String::new(),
    }
}

fn svc_summary(key: u16, v: &[u8]) -> String {
    let name = match tables::svc_key_name(key) {
        Some(n) => n.to_string(),
        None => format!("key{key}"),
    };
    let value = match key {
        0 => v
            .chunks_exact(2)
            .map(|c| {
                let k = u16::from_be_bytes([c.first().copied().unwrap_or(0), c.get(1).copied().unwrap_or(0)]);
                tables::svc_key_name(k)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("key{k}"))
            })
            .collect::<Vec<_>>()
            .join(","),
        1 => {
            let mut parts = Vec::new();
            let mut o = 0usize;
            while let Some(&n) = v.get(o) {
                let to = (o + 1 + usize::from(n)).min(v.len());
                parts.push(show_bytes(v.get(o + 1..to).unwrap_or(&[])));
                o = o + 1 + usize::from(n);
            }
            parts.join(",")
        }
        2 | 65535 => return name,
        3 if v.len() == 2 => {
            u16::from_be_bytes([v.first().copied().unwrap_or(0), v.get(1).copied().unwrap_or(0)]).to_string()
        }
        4 => v
            .chunks_exact(4)
            .map(|b| {
                Ipv4Addr::new(
                    b.first().copied().unwrap_or(0),
                    b.get(1).copied().unwrap_or(0),
                    b.get(2).copied().unwrap_or(0),
                    b.get(3).copied().unwrap_or(0),
                )
                .to_string()
            })
            .collect::<Vec<_>>()
            .join(","),
        5 => base64(v),
        6 => v
            .chunks_exact(16)
            .map(|b| {
                let mut a = [0u8; 16];
                a.copy_from_slice(b);
                Ipv6Addr::from(a).to_string()
            })
            .collect::<Vec<_>>()
            .join(","),
        _ => show_bytes(v),
    };
    format!("{name}={value}")
}

/// The key tag of a DNSKEY's data (RFC 4034 appendix B).
fn key_tag(rdata: &[u8]) -> u16 {
    let mut ac: u32 = 0;
    for (i, &b) in rdata.iter().enumerate() {
        ac = ac.wrapping_add(if i & 1 == 0 { u32::from(b) << 8 } else { u32::from(b) });
    }
    ac = ac.wrapping_add((ac >> 16) & 0xffff);
    (ac & 0xffff) as u16
}

/// Base32 with the extended hex alphabet (RFC 4648 section 7), lower case, no padding.
fn base32hex(b: &[u8]) -> String {
    const A: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    let mut s = String::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &x in b {
        acc = (acc << 8) | u32::from(x);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            s.push(char::from(
                A.get(((acc >> bits) & 31) as usize).copied().unwrap_or(b'0'),
            ));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        s.push(char::from(
            A.get(((acc << (5 - bits)) & 31) as usize).copied().unwrap_or(b'0'),
        ));
    }
    s
}

/// Standard base64 with padding.
fn base64(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(b.len().div_ceil(3) * 4);
    for c in b.chunks(3) {
        let n = (u32::from(c.first().copied().unwrap_or(0)) << 16)
            | (u32::from(c.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(c.get(2).copied().unwrap_or(0));
        for i in 0..4 {
            if i <= c.len() {
                let idx = ((n >> (18 - 6 * i)) & 63) as usize;
                s.push(char::from(A.get(idx).copied().unwrap_or(b'A')));
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// The full rcode text Info shows after the id.
pub(super) fn rcode_info(rc: u16) -> String {
    match tables::rcode_name(rc) {
        Some(n) => n.to_string(),
        None => format!("Unknown error ({rc})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b"\x00\x04abcd"), "AARhYmNk");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
    }

    #[test]
    fn svc_summaries() {
        assert_eq!(svc_summary(1, b"\x02h2\x08http/1.1"), "alpn=h2,http/1.1");
        assert_eq!(svc_summary(0, b"\x00\x01\x00\x03"), "mandatory=alpn,port");
        assert_eq!(svc_summary(7, b"ab"), "key7=ab");
        assert_eq!(svc_summary(65535, b""), "key65535");
        assert_eq!(svc_summary(3, b"\x20\xfb"), "port=8443");
    }
}
