//! Text renderings of processed frames: the one-line summary, `-T fields`
//! rows, the indented tree and the JSON tree.

use std::fmt::Write as _;

use wirelens_dissectors::frame::{build_tree, columns, write_rel_time};
use wirelens_dissectors::tree::{write_hex, Node, NodeId, Tree, Value};

use crate::engine::Processed;

/// The summary line like tshark's default output:
/// `    1   0.000000 10.0.0.1 → 10.0.0.2 TCP 74 51514 → 80 [SYN] Seq=0 ...`.
pub fn packet_line(out: &mut String, p: &Processed, data: &[u8], decimals: u32) {
    let c = columns(&p.decoded, &p.meta, data, &p.ann);
    let mut t = String::new();
    write_rel_time(&mut t, p.meta.rel_ns, decimals);
    let _ = write!(out, "{:>5} {:>10} ", p.meta.number, t);
    if c.src.is_empty() && c.dst.is_empty() {
        out.push_str("  ");
    } else {
        let _ = write!(out, "{} → {}", c.src, c.dst);
    }
    let _ = write!(out, " {} {} {}", c.proto, p.meta.origlen, c.info);
    out.push('\n');
}

/// Column pseudo-fields that tshark accepts in `-e` (`_ws.col.Info`, ...).
fn column_field(name: &str, p: &Processed, data: &[u8], decimals: u32) -> Option<String> {
    let col = name.strip_prefix("_ws.col.")?;
    let c = columns(&p.decoded, &p.meta, data, &p.ann);
    Some(match col {
        "No." | "number" => p.meta.number.to_string(),
        "Time" | "cls_time" => {
            let mut s = String::new();
            write_rel_time(&mut s, p.meta.rel_ns, decimals);
            s
        }
        "Source" | "def_src" => c.src,
        "Destination" | "def_dst" => c.dst,
        "Protocol" | "protocol" => c.proto,
        "Length" | "packet_length" => p.meta.origlen.to_string(),
        "Info" | "info" => c.info,
        _ => return Some(String::new()),
    })
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
        FieldOpts { header: false, separator: "\t".into(), aggregator: ",".into(), occurrence: 0 }
    }
}

impl FieldOpts {
    /// Parses `-E` options; an unknown one is an error naming it.
    pub fn parse(opts: &[String]) -> Result<FieldOpts, String> {
        let mut o = FieldOpts::default();
        for opt in opts {
            let (k, v) = opt.split_once('=').ok_or_else(|| format!("-E {opt}: expected name=value (header=y, separator=/t, aggregator=, occurrence=a)"))?;
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
                        n => n.parse().map_err(|_| format!("-E occurrence={n}: expected a, f, l or a number"))?,
                    }
                }
                "quote" | "bom" | "escape" => {}
                _ => return Err(format!("-E {opt}: unknown option {k} (header, separator, aggregator, occurrence)")),
            }
        }
        Ok(o)
    }
}

/// One `-T fields` row: each field's occurrences joined by the aggregator, fields by the separator.
pub fn fields_line(out: &mut String, p: &Processed, data: &[u8], fields: &[String], tree: &mut Tree, decimals: u32, fo: &FieldOpts) {
    let needs_tree = fields.iter().any(|f| !f.starts_with("_ws.col."));
    if needs_tree {
        build_tree(&p.decoded, &p.meta, data, &p.ann, tree);
    }
    let mut vals: Vec<String> = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(&fo.separator);
        }
        if let Some(v) = column_field(f, p, data, decimals) {
            out.push_str(&v);
            continue;
        }
        vals.clear();
        if f == "_ws.expert.message" || f == "_ws.expert.severity" || f == "_ws.expert.code" {
            // Every expert item of the frame, in tree order.
            for (_, e) in tree.experts() {
                vals.push(match f.as_str() {
                    "_ws.expert.message" => e.msg.clone(),
                    "_ws.expert.severity" => e.severity.label().to_string(),
                    _ => e.code.to_string(),
                });
            }
        } else {
            for (_, n) in tree.find(f) {
                if matches!(n.value, Value::None) {
                    continue;
                }
                let mut v = String::new();
                tree.write_field(&mut v, n, data);
                vals.push(v);
            }
        }
        let pick: &[String] = match fo.occurrence {
            0 => &vals,
            n if n > 0 => vals.get(n as usize - 1..n as usize).unwrap_or(&[]),
            n => {
                let k = vals.len() as i64 + n;
                if k >= 0 { vals.get(k as usize..k as usize + 1).unwrap_or(&[]) } else { &[] }
            }
        };
        out.push_str(&pick.join(&fo.aggregator));
    }
    out.push('\n');
}

/// The tree as indented text, like `tshark -V`, followed by a blank line.
pub fn tree_text(out: &mut String, p: &Processed, data: &[u8], tree: &mut Tree) {
    build_tree(&p.decoded, &p.meta, data, &p.ann, tree);
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
