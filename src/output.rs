//! Text renderings of processed frames: the one-line summary, `-T fields`
//! rows, the indented tree and the JSON tree.

use std::fmt::Write as _;

use wirelens_dissectors::frame::{build_tree, columns, write_rel_time, Columns};
use wirelens_dissectors::tree::{write_hex, Node, NodeId, Tree, Value};

use crate::engine::Processed;

/// Appends `v` in decimal, right-aligned in `width` columns (`{:>width$}`
/// without the formatting machinery: this runs for every frame).
fn push_uint(out: &mut String, v: u64, width: usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut v = v;
    loop {
        i -= 1;
        if let Some(d) = buf.get_mut(i) {
            *d = b'0' + (v % 10) as u8;
        }
        v /= 10;
        if v == 0 || i == 0 {
            break;
        }
    }
    let digits = buf.get(i..).unwrap_or(&[]);
    for _ in digits.len()..width {
        out.push(' ');
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(digits).unwrap_or(""));
}

/// The summary line like tshark's default output:
/// `    1   0.000000 10.0.0.1 → 10.0.0.2 TCP 74 51514 → 80 [SYN] Seq=0 ...`.
pub fn packet_line(out: &mut String, p: &Processed, data: &[u8], decimals: u32) {
    let c = columns(&p.decoded, &p.meta, data, &p.ann);
    push_uint(out, p.meta.number, 5);
    out.push(' ');
    // The time right-aligned in 10 columns: written in place, then padded in front.
    let start = out.len();
    write_rel_time(out, p.meta.rel_ns, decimals);
    let w = out.len() - start;
    if w < 10 {
        out.insert_str(start, "          ".get(w..).unwrap_or(""));
    }
    out.push(' ');
    if c.src.is_empty() && c.dst.is_empty() {
        out.push_str("  ");
    } else {
        out.push_str(&c.src);
        out.push_str(" → ");
        out.push_str(&c.dst);
    }
    out.push(' ');
    out.push_str(&c.proto);
    out.push(' ');
    push_uint(out, u64::from(p.meta.origlen), 0);
    out.push(' ');
    out.push_str(&c.info);
    out.push('\n');
}

/// Column pseudo-fields that tshark accepts in `-e` (`_ws.col.Info`, ...).
/// `cols` holds the frame's columns once computed (they are computed at most once per frame).
fn column_field(
    out: &mut String,
    name: &str,
    p: &Processed,
    data: &[u8],
    decimals: u32,
    cols: &mut Option<Columns>,
) -> bool {
    let Some(col) = name.strip_prefix("_ws.col.") else {
        return false;
    };
    if matches!(
        col,
        "Source" | "def_src" | "Destination" | "def_dst" | "Protocol" | "protocol" | "Info" | "info"
    ) {
        let c = cols.get_or_insert_with(|| columns(&p.decoded, &p.meta, data, &p.ann));
        out.push_str(match col {
            "Source" | "def_src" => &c.src,
            "Destination" | "def_dst" => &c.dst,
            "Protocol" | "protocol" => &c.proto,
            _ => &c.info,
        });
        return true;
    }
    match col {
        "No." | "number" => {
            let _ = write!(out, "{}", p.meta.number);
        }
        "Time" | "cls_time" => write_rel_time(out, p.meta.rel_ns, decimals),
        "Length" | "packet_length" => {
            let _ = write!(out, "{}", p.meta.origlen);
        }
        _ => {}
    }
    true
}

/// tshark's `-E` options for `-T fields`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldOpts {
    /// Print the field names first (`header=y`).
    pub header: bool,
    /// Between fields (`separator=`; `/t` tab, `/s` space).
    pub separator: String,
    /// Between occurrences of one field (`aggregator=`).
    pub aggregator: String,
    /// Which occurrences (`occurrence=a|f|l|N`): 0 all, positive from the first, negative from the last.
    pub occurrence: i64,
}

impl Default for FieldOpts {
    fn default() -> Self {
        FieldOpts {
            header: false,
            separator: "\t".into(),
            aggregator: ",".into(),
            occurrence: 0,
        }
    }
}

impl FieldOpts {
    /// Parses `-E` options; an unknown one is an error naming it.
    pub fn parse(opts: &[String]) -> Result<FieldOpts, String> {
        let mut o = FieldOpts::default();
        for opt in opts {
            let (k, v) = opt.split_once('=').ok_or_else(|| {
                format!("-E {opt}: expected name=value (header=y, separator=/t, aggregator=, occurrence=a)")
            })?;
            match k {
                "header" => o.header = matches!(v, "y" | "Y" | "yes"),
                "separator" => {
                    o.separator = match v {
                        "/t" => "\t".into(),
                        "/s" => " ".into(),
                        other => other.into(),
                    }
                }
                "aggregator" => {
                    o.aggregator = match v {
                        "/s" => " ".into(),
                        other => other.into(),
                    }
                }
                "occurrence" => {
                    o.occurrence = match v {
                        "a" => 0,
                        "f" => 1,
                        "l" => -1,
                        n => n
                            .parse()
                            .map_err(|_| format!("-E occurrence={n}: expected a, f, l or a number"))?,
                    }
                }
                "quote" | "bom" | "escape" => {}
                _ => {
                    return Err(format!(
                        "-E {opt}: unknown option {k} (header, separator, aggregator, occurrence)"
                    ))
                }
            }
        }
        Ok(o)
    }
}

/// Expert pseudo-fields: every expert item of the frame, in tree order.
fn expert_field(name: &str) -> bool {
    matches!(name, "_ws.expert.message" | "_ws.expert.severity" | "_ws.expert.code")
}

/// Writes `-T fields` rows: each field's occurrences joined by the
/// aggregator, fields by the separator. Holds the field list and per-field
/// buffers reused from frame to frame, so the tree is walked once per frame
/// whatever the number of fields.
#[derive(Clone, Debug)]
pub struct FieldsWriter {
    fields: Vec<String>,
    opts: FieldOpts,
    /// Per field: the occurrences of this frame, back to back, and where each ends.
    vals: Vec<(String, Vec<usize>)>,
    /// Some field is a tree field (not a `_ws.col.` column).
    needs_tree: bool,
}

impl FieldsWriter {
    pub fn new(fields: &[String], opts: FieldOpts) -> Self {
        FieldsWriter {
            fields: fields.to_vec(),
            opts,
            vals: vec![(String::new(), Vec::new()); fields.len()],
            needs_tree: fields.iter().any(|f| !f.starts_with("_ws.col.")),
        }
    }

    /// One row for a frame; `tree` is scratch space (rebuilt here when a field needs it).
    pub fn line(&mut self, out: &mut String, p: &Processed, data: &[u8], tree: &mut Tree, decimals: u32) {
        if self.needs_tree {
            build_tree(&p.decoded, &p.meta, data, &p.ann, tree);
        }
        self.line_built(out, p, data, tree, decimals);
    }

    /// One row for a frame whose tree is already built in `tree`.
    pub fn line_built(&mut self, out: &mut String, p: &Processed, data: &[u8], tree: &Tree, decimals: u32) {
        for v in &mut self.vals {
            v.0.clear();
            v.1.clear();
        }
        if self.needs_tree {
            // One pre-order walk (tree order, as `Tree::find` gives) for all fields.
            for (_, n) in tree.pre_order() {
                for (f, v) in self.fields.iter().zip(self.vals.iter_mut()) {
                    if expert_field(f) {
                        if let Some(e) = &n.expert {
                            match f.as_str() {
                                "_ws.expert.message" => v.0.push_str(&e.msg),
                                "_ws.expert.severity" => v.0.push_str(e.severity.label()),
                                _ => v.0.push_str(e.code),
                            }
                            v.1.push(v.0.len());
                        }
                    } else if f.as_str() == n.name && !matches!(n.value, Value::None) {
                        tree.write_field(&mut v.0, n, data);
                        v.1.push(v.0.len());
                    }
                }
            }
        }
        let mut cols = None;
        for (i, (f, v)) in self.fields.iter().zip(&self.vals).enumerate() {
            if i > 0 {
                out.push_str(&self.opts.separator);
            }
            if column_field(out, f, p, data, decimals, &mut cols) {
                continue;
            }
            let n = v.1.len();
            let (from, to) = match self.opts.occurrence {
                0 => (0, n),
                k if k > 0 && (k as usize) <= n => (k as usize - 1, k as usize),
                k if k < 0 && k.unsigned_abs() as usize <= n => {
                    (n - k.unsigned_abs() as usize, n - k.unsigned_abs() as usize + 1)
                }
                _ => (0, 0),
            };
            for j in from..to {
                if j > from {
                    out.push_str(&self.opts.aggregator);
                }
                let start = if j == 0 {
                    0
                } else {
                    v.1.get(j - 1).copied().unwrap_or(0)
                };
                let end = v.1.get(j).copied().unwrap_or(start);
                out.push_str(v.0.get(start..end).unwrap_or(""));
            }
        }
        out.push('\n');
    }
}

/// One `-T fields` row (see [`FieldsWriter`], which reuses its buffers across frames).
pub fn fields_line(
    out: &mut String,
    p: &Processed,
    data: &[u8],
    fields: &[String],
    tree: &mut Tree,
    decimals: u32,
    opts: &FieldOpts,
) {
    FieldsWriter::new(fields, opts.clone()).line(out, p, data, tree, decimals);
}

/// The tree as indented text, like `tshark -V`, followed by a blank line.
pub fn tree_text(out: &mut String, p: &Processed, data: &[u8], tree: &mut Tree) {
    build_tree(&p.decoded, &p.meta, data, &p.ann, tree);
    tree_text_built(out, data, tree);
}

/// [`tree_text`] for a tree already built.
pub fn tree_text_built(out: &mut String, data: &[u8], tree: &Tree) {
    tree.render_text(out, data);
    out.push('\n');
}

/// Escapes a string for JSON.
pub fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_value(out: &mut String, tree: &Tree, n: &Node, data: &[u8]) {
    match &n.value {
        Value::None => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::UInt(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Int(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Float(v) if v.is_finite() => {
            let _ = write!(out, "{v}");
        }
        Value::Float(_) => out.push_str("null"),
        Value::Bytes => {
            let d = tree.source_data(n.src, data);
            let mut s = String::new();
            write_hex(&mut s, d.get(n.span()).unwrap_or(&[]), None);
            json_str(out, &s);
        }
        _ => {
            let mut s = String::new();
            tree.write_field(&mut s, n, data);
            json_str(out, &s);
        }
    }
}

fn json_node(out: &mut String, tree: &Tree, id: NodeId, n: &Node, data: &[u8]) {
    out.push_str("{\"name\":");
    json_str(out, n.name);
    out.push_str(",\"label\":");
    json_str(out, &tree.line(n, data));
    out.push_str(",\"value\":");
    json_value(out, tree, n, data);
    let _ = write!(out, ",\"offset\":{},\"length\":{}", n.off, n.len);
    if n.src != 0 {
        let _ = write!(out, ",\"source\":{}", n.src);
    }
    if let Some(e) = &n.expert {
        out.push_str(",\"expert\":{\"severity\":");
        json_str(out, e.severity.label());
        out.push_str(",\"code\":");
        json_str(out, e.code);
        out.push_str(",\"message\":");
        json_str(out, &e.msg);
        out.push('}');
    }
    let mut kids = tree.children(id).peekable();
    if kids.peek().is_some() {
        out.push_str(",\"children\":[");
        let mut first = true;
        for (kid, kn) in kids {
            if !first {
                out.push(',');
            }
            first = false;
            json_node(out, tree, kid, kn, data);
        }
        out.push(']');
    }
    out.push('}');
}

/// The tree as one JSON object on one line: `{"frame":N,"nodes":[...]}`.
pub fn tree_json(out: &mut String, p: &Processed, data: &[u8], tree: &mut Tree) {
    build_tree(&p.decoded, &p.meta, data, &p.ann, tree);
    tree_json_built(out, p, data, tree);
}

/// [`tree_json`] for a tree already built.
pub fn tree_json_built(out: &mut String, p: &Processed, data: &[u8], tree: &Tree) {
    let _ = write!(out, "{{\"frame\":{},\"nodes\":[", p.meta.number);
    let mut first = true;
    for (id, n) in tree.roots() {
        if !first {
            out.push(',');
        }
        first = false;
        json_node(out, tree, id, n, data);
    }
    if !tree.sources.is_empty() {
        out.push_str("],\"sources\":[");
        for (i, s) in tree.sources.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"name\":");
            json_str(out, &s.name);
            out.push_str(",\"data\":");
            let mut h = String::new();
            write_hex(&mut h, &s.data, None);
            json_str(out, &h);
            out.push('}');
        }
    }
    out.push_str("]}\n");
}
