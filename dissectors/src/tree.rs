//! The field tree: an arena of nodes, each a Wireshark-named field with a
//! label, a typed value, the byte range it came from and optional expert info.
//!
//! Nodes never own copies of frame bytes: a `Value::Bytes` node shows the
//! bytes of its own span, read from the data source the node points at
//! (source 0 is the frame, others are reassembled or decoded buffers that the
//! tree owns). Labels are static strings; only nodes whose line is computed
//! carry a `text`.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::error::{Expert, Severity};

/// Index of a node in its tree.
pub type NodeId = u32;

const NONE: u32 = u32::MAX;
/// The id returned for a node that was not added because it lies beyond the
/// clip (see [`Tree::set_clip`]); its children are skipped too.
pub const SKIPPED: NodeId = u32::MAX - 1;

/// A typed field value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A protocol or text-only node.
    None,
    Bool(bool),
    UInt(u64),
    Int(i64),
    Float(f64),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    Mac([u8; 6]),
    /// The bytes of the node's own span.
    Bytes,
    /// Bytes that are not in any data source (e.g. computed).
    OwnedBytes(Box<[u8]>),
    Str(Box<str>),
    /// Seconds since the Unix epoch with nanoseconds (absolute time).
    Time {
        secs: i64,
        nanos: u32,
    },
    /// A duration or relative time in nanoseconds.
    Duration(i64),
}

/// How an integer is written in the tree text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Base {
    #[default]
    Dec,
    /// Hexadecimal with this many digits.
    Hex(u8),
}

/// A named data source: the frame itself (index 0) or a buffer the
/// dissection made (a reassembled IPv4 datagram, a TCP stream, a body).
#[derive(Clone, Debug, Default)]
pub struct Source {
    pub name: String,
    pub data: Vec<u8>,
    /// Which frames carried which bytes of `data`: (offset in data, length, frame number).
    pub frames: Vec<(u32, u32, u64)>,
}

#[derive(Clone, Debug)]
pub struct Node {
    /// Wireshark filter name, e.g. `tcp.flags.syn`.
    pub name: &'static str,
    /// Human label, e.g. `Syn`.
    pub label: &'static str,
    pub value: Value,
    /// Data source index (0 = the frame).
    pub src: u16,
    /// Bit width of the field when `mask != 0` (for `.... ..1. = Syn: Set`).
    pub bits: u8,
    pub base: Base,
    pub mask: u64,
    pub off: u32,
    pub len: u32,
    /// Replaces the value's rendering in the tree text; for a `Value::None`
    /// node it is the whole line.
    pub text: Option<Box<str>>,
    pub expert: Option<Box<Expert>>,
    /// A generated field (not on the wire), shown in brackets like Wireshark.
    pub generated: bool,
    /// Hidden fields are filterable but not shown in the tree text.
    pub hidden: bool,
    parent: u32,
    first_child: u32,
    last_child: u32,
    next_sibling: u32,
}

impl Node {
    pub fn span(&self) -> std::ops::Range<usize> {
        self.off as usize..self.off as usize + self.len as usize
    }
    pub fn parent(&self) -> Option<NodeId> {
        (self.parent != NONE).then_some(self.parent)
    }
}

/// The field tree of one frame.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    nodes: Vec<Node>,
    first_root: u32,
    last_root: u32,
    /// Nodes of source `.0` whose span ends past `.1` are not added.
    clip: Option<(u16, u32)>,
    /// Source given to new nodes (see [`Tree::set_default_src`]).
    cur_src: u16,
    /// Parent given to nodes added as roots (see [`Tree::set_root_parent`]).
    root_parent: u32,
    /// Extra data sources; source `i` of a node is `sources[i - 1]`.
    pub sources: Vec<Source>,
}

impl Tree {
    pub fn new() -> Self {
        Tree {
            nodes: Vec::new(),
            first_root: NONE,
            last_root: NONE,
            clip: None,
            cur_src: 0,
            root_parent: NONE,
            sources: Vec::new(),
        }
    }

    pub fn clear(&mut self) {
        self.nodes.clear();
        self.first_root = NONE;
        self.last_root = NONE;
        self.clip = None;
        self.cur_src = 0;
        self.root_parent = NONE;
        self.sources.clear();
    }

    /// While set, nodes of data source `src` whose span ends past `end` are
    /// skipped (with their children). A layer whose header was cut short is
    /// parsed from a zero-padded copy and built with the clip at the captured
    /// length, so the tree shows exactly the fields that were captured.
    pub fn set_clip(&mut self, clip: Option<(u16, usize)>) {
        self.clip = clip.map(|(s, e)| (s, u32::try_from(e).unwrap_or(u32::MAX)));
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// New nodes get data source `src` until this is called again: a
    /// dissector run over a reassembled buffer needs no knowledge of it.
    pub fn set_default_src(&mut self, src: u16) {
        self.cur_src = src;
    }

    /// The source new nodes get (see [`Tree::set_default_src`]).
    pub fn default_src(&self) -> u16 {
        self.cur_src
    }

    /// Nodes added as roots go under `parent` instead (an ICMP error's
    /// embedded packet is dissected by the same code as a top-level one).
    pub fn set_root_parent(&mut self, parent: Option<NodeId>) {
        self.root_parent = parent.filter(|&p| (p as usize) < self.nodes.len()).unwrap_or(NONE);
    }

    /// Adds a data source and returns its index for `Node::src`.
    pub fn add_source(&mut self, source: Source) -> u16 {
        self.sources.push(source);
        u16::try_from(self.sources.len()).unwrap_or(u16::MAX)
    }

    /// The bytes of data source `src` (0 = `frame`).
    pub fn source_data<'a>(&'a self, src: u16, frame: &'a [u8]) -> &'a [u8] {
        if src == 0 {
            frame
        } else {
            self.sources
                .get(usize::from(src) - 1)
                .map(|s| s.data.as_slice())
                .unwrap_or(&[])
        }
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id as usize)
    }

    pub fn node_mut(&mut self, id: NodeId) -> Option<&mut Node> {
        self.nodes.get_mut(id as usize)
    }

    /// Appends a node under `parent` (or as a new root) and returns its id.
    pub fn add(
        &mut self,
        parent: Option<NodeId>,
        name: &'static str,
        label: &'static str,
        value: Value,
        off: usize,
        len: usize,
    ) -> NodeId {
        if parent == Some(SKIPPED) {
            return SKIPPED;
        }
        let parent = parent.or((self.root_parent != NONE).then_some(self.root_parent));
        if let Some((src, end)) = self.clip {
            if src == self.cur_src && (off as u64 + len as u64) > u64::from(end) {
                return SKIPPED;
            }
        }
        let id = u32::try_from(self.nodes.len()).unwrap_or(SKIPPED);
        if id >= SKIPPED {
            return SKIPPED;
        }
        let p = parent.filter(|&p| (p as usize) < self.nodes.len()).unwrap_or(NONE);
        self.nodes.push(Node {
            name,
            label,
            value,
            src: self.cur_src,
            bits: 0,
            base: Base::Dec,
            mask: 0,
            off: u32::try_from(off).unwrap_or(u32::MAX),
            len: u32::try_from(len).unwrap_or(u32::MAX),
            text: None,
            expert: None,
            generated: false,
            hidden: false,
            parent: p,
            first_child: NONE,
            last_child: NONE,
            next_sibling: NONE,
        });
        if p == NONE {
            if self.last_root == NONE {
                self.first_root = id;
            } else if let Some(n) = self.nodes.get_mut(self.last_root as usize) {
                n.next_sibling = id;
            }
            self.last_root = id;
        } else {
            let last = self.nodes.get(p as usize).map(|n| n.last_child).unwrap_or(NONE);
            if last == NONE {
                if let Some(n) = self.nodes.get_mut(p as usize) {
                    n.first_child = id;
                }
            } else if let Some(n) = self.nodes.get_mut(last as usize) {
                n.next_sibling = id;
            }
            if let Some(n) = self.nodes.get_mut(p as usize) {
                n.last_child = id;
            }
        }
        id
    }

    /// A protocol or text node: its whole line is `text`.
    pub fn text(
        &mut self,
        parent: Option<NodeId>,
        name: &'static str,
        text: impl Into<Box<str>>,
        off: usize,
        len: usize,
    ) -> NodeId {
        let id = self.add(parent, name, "", Value::None, off, len);
        self.set_text(id, text);
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
        self.add(Some(parent), name, label, Value::UInt(v), off, len)
    }

    /// An integer shown in hexadecimal with `digits` digits.
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
    ) -> NodeId {
        let id = self.add(Some(parent), name, label, Value::UInt(v), off, len);
        self.set_base(id, Base::Hex(digits));
        id
    }

    pub fn boolean(
        &mut self,
        parent: NodeId,
        name: &'static str,
        label: &'static str,
        v: bool,
        off: usize,
        len: usize,
    ) -> NodeId {
        self.add(Some(parent), name, label, Value::Bool(v), off, len)
    }

    /// A bit field inside a `bits`-wide integer: `value` is already shifted down.
    #[allow(clippy::too_many_arguments)]
    pub fn bits(
        &mut self,
        parent: NodeId,
        name: &'static str,
        label: &'static str,
        value: Value,
        bits: u8,
        mask: u64,
        off: usize,
        len: usize,
    ) -> NodeId {
        let id = self.add(Some(parent), name, label, value, off, len);
        if let Some(n) = self.nodes.get_mut(id as usize) {
            n.bits = bits;
            n.mask = mask;
        }
        id
    }

    pub fn bytes(&mut self, parent: NodeId, name: &'static str, label: &'static str, off: usize, len: usize) -> NodeId {
        self.add(Some(parent), name, label, Value::Bytes, off, len)
    }

    pub fn string(
        &mut self,
        parent: NodeId,
        name: &'static str,
        label: &'static str,
        v: impl Into<Box<str>>,
        off: usize,
        len: usize,
    ) -> NodeId {
        self.add(Some(parent), name, label, Value::Str(v.into()), off, len)
    }

    pub fn set_text(&mut self, id: NodeId, text: impl Into<Box<str>>) {
        if let Some(n) = self.nodes.get_mut(id as usize) {
            n.text = Some(text.into());
        }
    }

    pub fn set_base(&mut self, id: NodeId, base: Base) {
        if let Some(n) = self.nodes.get_mut(id as usize) {
            n.base = base;
        }
    }

    pub fn set_src(&mut self, id: NodeId, src: u16) {
        if let Some(n) = self.nodes.get_mut(id as usize) {
            n.src = src;
        }
    }

    pub fn set_generated(&mut self, id: NodeId) {
        if let Some(n) = self.nodes.get_mut(id as usize) {
            n.generated = true;
        }
    }

    pub fn set_hidden(&mut self, id: NodeId) {
        if let Some(n) = self.nodes.get_mut(id as usize) {
            n.hidden = true;
        }
    }

    /// Sets a node's length; under a clip (see [`Tree::set_clip`]) a node of
    /// the clipped source never grows past the clip's end.
    pub fn set_len(&mut self, id: NodeId, len: usize) {
        let clip = self.clip;
        if let Some(n) = self.nodes.get_mut(id as usize) {
            let mut len = u32::try_from(len).unwrap_or(u32::MAX);
            if let Some((src, end)) = clip {
                if n.src == src {
                    len = len.min(end.saturating_sub(n.off));
                }
            }
            n.len = len;
        }
    }

    /// Attaches expert info to a node.
    pub fn set_expert(&mut self, id: NodeId, severity: Severity, code: &'static str, msg: impl Into<String>) {
        if let Some(n) = self.nodes.get_mut(id as usize) {
            n.expert = Some(Box::new(Expert {
                severity,
                code,
                msg: msg.into(),
            }));
        }
    }

    /// Adds an expert-info node (Wireshark's `_ws.expert`-style child) under `parent`.
    pub fn expert(
        &mut self,
        parent: NodeId,
        severity: Severity,
        code: &'static str,
        msg: impl Into<String>,
        off: usize,
        len: usize,
    ) -> NodeId {
        let msg = msg.into();
        let id = self.add(Some(parent), code, "", Value::None, off, len);
        self.set_text(id, format!("[{}: {}]", severity.label(), msg));
        self.set_expert(id, severity, code, msg);
        id
    }

    pub fn roots(&self) -> Children<'_> {
        Children {
            tree: self,
            next: self.first_root,
        }
    }

    pub fn children(&self, id: NodeId) -> Children<'_> {
        let next = self.nodes.get(id as usize).map(|n| n.first_child).unwrap_or(NONE);
        Children { tree: self, next }
    }

    /// All nodes in pre-order (the order they were added, which is tree order
    /// because children are always added after their parent).
    pub fn iter(&self) -> impl Iterator<Item = (NodeId, &Node)> {
        self.nodes.iter().enumerate().map(|(i, n)| (i as NodeId, n))
    }

    /// Nodes with this filter name, in tree order.
    pub fn find<'a>(&'a self, name: &'a str) -> impl Iterator<Item = (NodeId, &'a Node)> + 'a {
        self.pre_order().filter(move |(_, n)| n.name == name)
    }

    /// Depth-first pre-order walk (the order a reader sees in the text tree).
    pub fn pre_order(&self) -> PreOrder<'_> {
        PreOrder {
            tree: self,
            stack: vec![self.first_root],
        }
    }

    /// Depth of a node (roots are 0).
    pub fn depth(&self, id: NodeId) -> usize {
        let mut d = 0;
        let mut cur = self.nodes.get(id as usize).map(|n| n.parent).unwrap_or(NONE);
        while cur != NONE && d < 1024 {
            d += 1;
            cur = self.nodes.get(cur as usize).map(|n| n.parent).unwrap_or(NONE);
        }
        d
    }

    /// Every expert info in the tree, in tree order.
    pub fn experts(&self) -> impl Iterator<Item = (NodeId, &Expert)> {
        self.pre_order()
            .filter_map(|(id, n)| n.expert.as_deref().map(|e| (id, e)))
    }

    /// The value as `tshark -T fields` prints it (numbers in decimal,
    /// addresses in their usual form, bytes as colon-free lowercase hex).
    pub fn field_string(&self, id: NodeId, frame: &[u8]) -> String {
        let mut s = String::new();
        if let Some(n) = self.node(id) {
            self.write_field(&mut s, n, frame);
        }
        s
    }

    pub fn write_field(&self, out: &mut String, n: &Node, frame: &[u8]) {
        match &n.value {
            Value::None => {}
            Value::Bool(b) => out.push(if *b { '1' } else { '0' }),
            Value::UInt(v) => {
                let _ = write!(out, "{v}");
            }
            Value::Int(v) => {
                let _ = write!(out, "{v}");
            }
            Value::Float(v) => {
                let _ = write!(out, "{v}");
            }
            Value::Ipv4(a) => {
                let _ = write!(out, "{a}");
            }
            Value::Ipv6(a) => {
                let _ = write!(out, "{a}");
            }
            Value::Mac(m) => write_mac(out, m),
            Value::Bytes => {
                let data = self.source_data(n.src, frame);
                let bytes = data.get(n.span()).unwrap_or(&[]);
                write_hex(out, bytes, None);
            }
            Value::OwnedBytes(b) => write_hex(out, b, None),
            Value::Str(s) => out.push_str(s),
            Value::Time { secs, nanos } => {
                let _ = write!(out, "{secs}.{nanos:09}");
            }
            Value::Duration(ns) => write_duration(out, *ns),
        }
    }

    /// The value as the tree text shows it (`text` if set, else formatted by base).
    pub fn display_value(&self, out: &mut String, n: &Node, frame: &[u8]) {
        if let Some(t) = &n.text {
            out.push_str(t);
            return;
        }
        match (&n.value, n.base) {
            (Value::UInt(v), Base::Hex(d)) => {
                let _ = write!(out, "0x{:0width$x}", v, width = usize::from(d));
            }
            (Value::Bool(b), _) if n.mask != 0 => out.push_str(if *b { "Set" } else { "Not set" }),
            (Value::Bool(b), _) => out.push_str(if *b { "True" } else { "False" }),
            (Value::Bytes, _) => {
                let data = self.source_data(n.src, frame);
                let bytes = data.get(n.span()).unwrap_or(&[]);
                write_hex(out, bytes, Some(':'));
            }
            (Value::OwnedBytes(b), _) => write_hex(out, b, Some(':')),
            (Value::Str(s), _) => {
                for c in s.chars() {
                    if c.is_control() {
                        let _ = write!(out, "\\x{:02x}", c as u32);
                    } else {
                        out.push(c);
                    }
                }
            }
            (Value::Duration(ns), _) => {
                write_duration(out, *ns);
                out.push_str(" seconds");
            }
            _ => self.write_field(out, n, frame),
        }
    }

    /// One line of tree text for a node, without indentation.
    pub fn line(&self, n: &Node, frame: &[u8]) -> String {
        let mut s = String::new();
        if n.mask != 0 && n.bits > 0 && n.bits <= 64 {
            write_bit_pattern(&mut s, n);
            s.push_str(" = ");
        }
        if n.generated {
            s.push('[');
        }
        if matches!(n.value, Value::None) || (n.label.is_empty() && n.text.is_some()) {
            if let Some(t) = &n.text {
                s.push_str(t);
            } else {
                s.push_str(n.label);
            }
        } else {
            s.push_str(n.label);
            s.push_str(": ");
            self.display_value(&mut s, n, frame);
        }
        if n.generated {
            s.push(']');
        }
        s
    }

    /// Text like `tshark -V`: each node on a line, children indented by four spaces.
    pub fn render_text(&self, out: &mut String, frame: &[u8]) {
        let mut stack: Vec<(u32, usize)> = Vec::new();
        let mut r = self.first_root;
        let mut roots = Vec::new();
        while r != NONE {
            roots.push(r);
            r = self.nodes.get(r as usize).map(|n| n.next_sibling).unwrap_or(NONE);
        }
        for &root in roots.iter().rev() {
            stack.push((root, 0));
        }
        while let Some((id, depth)) = stack.pop() {
            let Some(n) = self.nodes.get(id as usize) else { continue };
            if n.hidden {
                continue;
            }
            for _ in 0..depth {
                out.push_str("    ");
            }
            out.push_str(&self.line(n, frame));
            out.push('\n');
            let kids: Vec<u32> = self.children(id).map(|(k, _)| k).collect();
            for &k in kids.iter().rev() {
                stack.push((k, depth + 1));
            }
        }
    }
}

fn write_bit_pattern(s: &mut String, n: &Node) {
    let bits = u32::from(n.bits);
    for i in (0..bits).rev() {
        if i != bits - 1 && (i + 1) % 4 == 0 {
            s.push(' ');
        }
        let m = 1u64.checked_shl(i).unwrap_or(0);
        if n.mask & m == 0 {
            s.push('.');
        } else {
            let shift = n.mask.trailing_zeros();
            let raw = match n.value {
                Value::Bool(b) => u64::from(b).checked_shl(shift).unwrap_or(0),
                Value::UInt(v) => v.checked_shl(shift).unwrap_or(0),
                _ => 0,
            };
            s.push(if raw & m != 0 { '1' } else { '0' });
        }
    }
}

/// Writes a MAC address as `aa:bb:cc:dd:ee:ff`.
pub fn write_mac(out: &mut String, m: &[u8; 6]) {
    write_hex(out, m, Some(':'));
}

/// Writes bytes as lowercase hex, optionally separated.
pub fn write_hex(out: &mut String, bytes: &[u8], sep: Option<char>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            if let Some(c) = sep {
                out.push(c);
            }
        }
        for nibble in [b >> 4, b & 15] {
            out.push(char::from(HEX.get(usize::from(nibble)).copied().unwrap_or(b'0')));
        }
    }
}

/// Writes nanoseconds as seconds with nine decimals, like Wireshark's relative times.
pub fn write_duration(out: &mut String, ns: i64) {
    let sign = if ns < 0 { "-" } else { "" };
    let a = ns.unsigned_abs();
    let _ = write!(out, "{sign}{}.{:09}", a / 1_000_000_000, a % 1_000_000_000);
}

/// Iterator over a node's children.
pub struct Children<'a> {
    tree: &'a Tree,
    next: u32,
}

impl<'a> Iterator for Children<'a> {
    type Item = (NodeId, &'a Node);
    fn next(&mut self) -> Option<Self::Item> {
        let id = self.next;
        let n = self.tree.nodes.get(id as usize)?;
        self.next = n.next_sibling;
        Some((id, n))
    }
}

/// Depth-first pre-order iterator.
pub struct PreOrder<'a> {
    tree: &'a Tree,
    stack: Vec<u32>,
}

impl<'a> Iterator for PreOrder<'a> {
    type Item = (NodeId, &'a Node);
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let id = self.stack.pop()?;
            let Some(n) = self.tree.nodes.get(id as usize) else {
                continue;
            };
            if n.next_sibling != NONE {
                self.stack.push(n.next_sibling);
            }
            if n.first_child != NONE {
                self.stack.push(n.first_child);
            }
            return Some((id, n));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_and_pre_order_follow_insertion() {
        let mut t = Tree::new();
        let a = t.text(None, "eth", "Ethernet II", 0, 14);
        let b = t.add(Some(a), "eth.dst", "Destination", Value::Mac([1, 2, 3, 4, 5, 6]), 0, 6);
        let c = t.text(None, "ip", "Internet Protocol Version 4", 14, 20);
        let d = t.uint(c, "ip.ttl", "Time to Live", 64, 22, 1);
        let e = t.uint(a, "eth.type", "Type", 0x800, 12, 2);
        let order: Vec<NodeId> = t.pre_order().map(|(i, _)| i).collect();
        assert_eq!(order, vec![a, b, e, c, d]);
        assert_eq!(t.children(a).map(|(i, _)| i).collect::<Vec<_>>(), vec![b, e]);
        assert_eq!(t.depth(d), 1);
        assert_eq!(t.find("ip.ttl").count(), 1);
    }

    #[test]
    fn text_rendering_shows_bits_hex_and_generated() {
        let mut t = Tree::new();
        let tcp = t.text(None, "tcp", "Transmission Control Protocol", 0, 20);
        let f = t.hex(tcp, "tcp.flags", "Flags", 0x012, 3, 12, 2);
        t.set_text(f, "0x012 (SYN, ACK)");
        t.bits(f, "tcp.flags.syn", "Syn", Value::Bool(true), 12, 0x002, 12, 2);
        let g = t.uint(tcp, "tcp.len", "TCP Segment Len", 0, 0, 0);
        t.set_generated(g);
        let mut out = String::new();
        t.render_text(&mut out, &[]);
        assert_eq!(
            out,
            "Transmission Control Protocol\n    Flags: 0x012 (SYN, ACK)\n        .... .... ..1. = Syn: Set\n    [TCP Segment Len: 0]\n"
        );
    }

    #[test]
    fn clip_skips_nodes_past_the_captured_end_and_their_children() {
        let mut t = Tree::new();
        let tcp = t.text(None, "tcp", "TCP", 0, 20);
        t.set_clip(Some((0, 8)));
        let a = t.uint(tcp, "tcp.srcport", "Source Port", 1, 0, 2);
        let b = t.uint(tcp, "tcp.seq_raw", "Seq", 1, 4, 4);
        let c = t.hex(tcp, "tcp.flags", "Flags", 2, 3, 12, 2);
        let d = t.bits(c, "tcp.flags.syn", "Syn", Value::Bool(true), 12, 2, 12, 2);
        t.set_text(c, "x");
        t.set_clip(None);
        assert_ne!(a, SKIPPED);
        assert_ne!(b, SKIPPED);
        assert_eq!(c, SKIPPED);
        assert_eq!(d, SKIPPED);
        assert_eq!(t.len(), 3);
        assert_eq!(t.roots().count(), 1);
    }

    #[test]
    fn set_len_stays_inside_the_clip() {
        // A protocol node added short and grown to its header length (as
        // net::group does) must not reach past the captured bytes: found by
        // the truncation sweep (an IPv4 header cut at 15 bytes gave `ip`
        // the span 14..34).
        let mut t = Tree::new();
        t.set_clip(Some((0, 15)));
        let ip = t.text(None, "ip", "Internet Protocol Version 4", 14, 1);
        t.set_len(ip, 20);
        let past = t.text(None, "x", "x", 16, 0);
        t.set_len(past, 4);
        t.set_default_src(1);
        let other = t.text(None, "y", "y", 0, 0);
        t.set_len(other, 100);
        t.set_clip(None);
        assert_eq!(t.node(ip).unwrap().span(), 14..15);
        assert_eq!(past, SKIPPED);
        assert_eq!(t.node(other).unwrap().span(), 0..100, "another source is not clipped");
        let free = t.text(None, "z", "z", 14, 1);
        t.set_len(free, 20);
        assert_eq!(t.node(free).unwrap().span(), 14..34, "no clip, no limit");
    }

    #[test]
    fn field_strings_are_tshark_like() {
        let mut t = Tree::new();
        let r = t.text(None, "x", "x", 0, 4);
        let b = t.bytes(r, "x.data", "Data", 1, 2);
        let m = t.add(
            Some(r),
            "x.mac",
            "Mac",
            Value::Mac([0, 0x1b, 0x21, 0xaa, 0xbb, 0xcc]),
            0,
            6,
        );
        assert_eq!(t.field_string(b, &[0, 0xde, 0xad, 0]), "dead");
        assert_eq!(t.field_string(m, &[]), "00:1b:21:aa:bb:cc");
        // A span beyond the data never panics.
        let bad = t.bytes(r, "x.bad", "Bad", 10, 5);
        assert_eq!(t.field_string(bad, &[1, 2]), "");
    }
}
