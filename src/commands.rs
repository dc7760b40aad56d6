//! The commands behind the CLI: each takes parsed options, streams the
//! capture through the engine and writes to stdout; errors go to stderr.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use wirelens_dissectors::{build_tree, Tree};

use crate::capture::FileReader;
use crate::engine::{Config, Engine, Processed};
use crate::export::{self, FlowSummary, Format};
use crate::filter;
use crate::output;
use crate::tcp::reasm::Piece;
use crate::tcp::state::Side;

/// Exit status of a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Everything read and written.
    Ok,
    /// A fatal error (message already printed).
    Error,
    /// The command was used wrongly (bad filter, no terminal): exit 2.
    Usage,
}

impl Status {
    pub fn code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Error => 1,
            Status::Usage => 2,
        }
    }
}

/// How `packets` prints frames.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PacketsFormat {
    /// One summary line per frame.
    Lines,
    /// `-T fields -e ...`.
    Fields(Vec<String>),
}

#[derive(Clone, Debug)]
pub struct PacketsOpts {
    pub file: PathBuf,
    pub count: Option<u64>,
    pub format: PacketsFormat,
    /// tshark's `-E` options.
    pub field_opts: output::FieldOpts,
    pub msl_ns: i64,
    /// `-Y`: only the frames that pass this display filter.
    pub filter: Option<filter::Expr>,
}

#[derive(Clone, Debug)]
pub struct TreeOpts {
    pub file: PathBuf,
    pub count: Option<u64>,
    pub frame: Option<u64>,
    pub json: bool,
    pub msl_ns: i64,
    /// `-Y`: only the frames that pass this display filter.
    pub filter: Option<filter::Expr>,
}

#[derive(Clone, Debug)]
pub struct FlowsOpts {
    pub file: PathBuf,
    pub format: Format,
    /// Write here (through a temporary file renamed at the end) instead of stdout.
    pub out: Option<PathBuf>,
    pub count: Option<u64>,
    pub cfg: Config,
    /// `-Y`: only the flows with at least one frame that passes this display filter.
    pub filter: Option<filter::Expr>,
}

/// Which flow `follow` shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowRef {
    Tcp(u64),
    Udp(u64),
}

impl FlowRef {
    /// `N` or `tcp:N` (TCP stream N) or `udp:N`.
    pub fn parse(s: &str) -> Option<FlowRef> {
        let (proto, n) = match s.split_once(':') {
            Some((p, n)) => (p, n),
            None => ("tcp", s),
        };
        let n: u64 = n.trim().parse().ok()?;
        match proto {
            "tcp" => Some(FlowRef::Tcp(n)),
            "udp" => Some(FlowRef::Udp(n)),
            _ => None,
        }
    }
}

/// How `follow` prints the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowFormat {
    Ascii,
    Hex,
    Raw,
    /// Application messages one by one (HTTP requests and responses with
    /// their bodies, WebSocket frames, DNS messages), with the lessons.
    Messages,
}

#[derive(Clone, Debug)]
pub struct FollowOpts {
    pub file: PathBuf,
    pub flow: FlowRef,
    pub format: FollowFormat,
    pub cfg: Config,
}

/// Buffered stdout that ends quietly when the reader goes away (`| head`).
pub(crate) struct Out {
    w: io::BufWriter<io::Stdout>,
    pub(crate) buf: String,
}

/// Stdout was closed by its reader: stop without an error.
pub(crate) struct Closed;

impl Out {
    pub(crate) fn new() -> Self {
        Out {
            w: io::BufWriter::with_capacity(1 << 18, io::stdout()),
            buf: String::with_capacity(1 << 16),
        }
    }

    pub(crate) fn push(&mut self) -> Result<(), Closed> {
        if self.buf.len() >= 1 << 15 {
            self.flush_buf()?;
        }
        Ok(())
    }

    pub(crate) fn flush_buf(&mut self) -> Result<(), Closed> {
        let r = self.w.write_all(self.buf.as_bytes());
        self.buf.clear();
        r.map_err(|_| Closed)
    }

    pub(crate) fn finish(mut self) -> Result<(), Closed> {
        self.flush_buf()?;
        self.w.flush().map_err(|_| Closed)
    }
}

fn open(path: &Path) -> Result<FileReader, Status> {
    FileReader::open(path).map_err(|e| {
        eprintln!("wirelens: {e}");
        Status::Error
    })
}

fn report_warnings(r: &FileReader) {
    for w in r.warnings() {
        eprintln!("wirelens: warning: {w}");
    }
}

/// Walks the capture, calling `each` for every processed frame until it says stop.
fn walk(
    r: &mut FileReader,
    engine: &mut Engine,
    limit: Option<u64>,
    mut each: impl FnMut(&mut Engine, Processed, &[u8]) -> Result<bool, Closed>,
) -> Result<Status, Closed> {
    loop {
        if limit.is_some_and(|n| engine.frames() >= n) {
            return Ok(Status::Ok);
        }
        match r.next_record() {
            Ok(Some(rec)) => {
                let p = engine.ingest(&rec);
                if !each(engine, p, rec.data)? {
                    return Ok(Status::Ok);
                }
            }
            Ok(None) => return Ok(Status::Ok),
            Err(e) => {
                eprintln!("wirelens: {e}");
                eprintln!(
                    "wirelens: the {} frames before the error were processed",
                    engine.frames()
                );
                return Ok(Status::Error);
            }
        }
    }
}

/// `wirelens packets`: one line per frame, or `-T fields` rows.
pub fn packets(o: &PacketsOpts) -> Status {
    let mut r = match open(&o.file) {
        Ok(r) => r,
        Err(s) => return s,
    };
    let decimals = crate::store::time_decimals(&r);
    let mut out = Out::new();
    let mut tree = Tree::new();
    let mut fields = match &o.format {
        PacketsFormat::Fields(f) => Some(output::FieldsWriter::new(f, o.field_opts.clone())),
        PacketsFormat::Lines => None,
    };
    if let (PacketsFormat::Fields(f), true) = (&o.format, o.field_opts.header) {
        out.buf.push_str(&f.join(&o.field_opts.separator));
        out.buf.push('\n');
    }
    let needs_tree = matches!(&o.format, PacketsFormat::Fields(f) if f.iter().any(|x| !x.starts_with("_ws.col.")));
    let mut engine = Engine::new(Config {
        detail: needs_tree || o.filter.is_some(),
        msl_ns: o.msl_ns,
        ..Config::default()
    });
    let res = walk(&mut r, &mut engine, o.count, |_, p, data| {
        // With -Y the tree is built here once, for the filter and the fields.
        if let Some(f) = &o.filter {
            build_tree(&p.decoded, &p.meta, data, &p.ann, &mut tree);
            if !filter::matches(f, &tree, data) {
                return Ok(true);
            }
        }
        match &mut fields {
            None => output::packet_line(&mut out.buf, &p, data, decimals),
            Some(w) if o.filter.is_some() => w.line_built(&mut out.buf, &p, data, &tree, decimals),
            Some(w) => w.line(&mut out.buf, &p, data, &mut tree, decimals),
        }
        out.push()?;
        Ok(true)
    });
    finish(res, out, &r)
}

fn finish(res: Result<Status, Closed>, out: Out, r: &FileReader) -> Status {
    let status = match res {
        Ok(s) => s,
        Err(Closed) => return Status::Ok,
    };
    if out.finish().is_err() {
        return Status::Ok;
    }
    report_warnings(r);
    status
}

/// `wirelens tree`: the full tree of each frame, as text or JSON lines.
pub fn tree(o: &TreeOpts) -> Status {
    let mut r = match open(&o.file) {
        Ok(r) => r,
        Err(s) => return s,
    };
    let mut out = Out::new();
    let mut tree = Tree::new();
    let mut found = o.frame.is_none();
    let limit = match (o.frame, o.count) {
        (Some(n), _) => Some(n),
        (None, c) => c,
    };
    let mut engine = Engine::new(Config {
        msl_ns: o.msl_ns,
        ..Config::default()
    });
    let res = walk(&mut r, &mut engine, limit, |_, p, data| {
        let p = &p;
        if let Some(n) = o.frame {
            if p.meta.number != n {
                return Ok(true);
            }
            found = true;
        }
        // Built once: for the filter and for the output.
        build_tree(&p.decoded, &p.meta, data, &p.ann, &mut tree);
        if o.filter.as_ref().is_some_and(|f| !filter::matches(f, &tree, data)) {
            return Ok(o.frame.is_none());
        }
        if o.json {
            output::tree_json_built(&mut out.buf, p, data, &tree);
        } else {
            output::tree_text_built(&mut out.buf, data, &tree);
        }
        out.push()?;
        Ok(o.frame.is_none())
    });
    let status = finish(res, out, &r);
    if !found && status == Status::Ok {
        if let Some(n) = o.frame {
            eprintln!(
                "wirelens: there is no frame {n} in {}: it holds fewer frames",
                o.file.display()
            );
            return Status::Error;
        }
    }
    status
}

/// Where an export goes: a temporary file beside the target, renamed at the end.
struct Export {
    path: PathBuf,
    tmp: PathBuf,
    file: io::BufWriter<std::fs::File>,
}

impl Export {
    fn create(path: &Path) -> Result<Export, String> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "flows".into());
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let file = std::fs::File::create(&tmp).map_err(|e| {
            format!(
                "cannot write {}: {e} (check that the directory {} exists and is writable, or choose another -o path)",
                path.display(),
                dir.display()
            )
        })?;
        Ok(Export {
            path: path.to_path_buf(),
            tmp,
            file: io::BufWriter::new(file),
        })
    }

    fn write(&mut self, s: &str) -> Result<(), String> {
        self.file
            .write_all(s.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", self.tmp.display()))
    }

    fn commit(mut self) -> Result<(), String> {
        self.file
            .flush()
            .map_err(|e| format!("cannot write {}: {e}", self.tmp.display()))?;
        self.file
            .get_ref()
            .sync_all()
            .map_err(|e| format!("cannot write {}: {e}", self.tmp.display()))?;
        std::fs::rename(&self.tmp, &self.path)
            .map_err(|e| format!("cannot rename {} to {}: {e}", self.tmp.display(), self.path.display()))
    }
}

impl Drop for Export {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// Writes flow summaries as they finish, in the chosen format.
/// The format a flow export takes from its file name: `.csv`, `.md`,
/// `.log`/`.tsv` (Zeek conn.log), else JSON Lines.
pub fn format_for(path: &Path) -> Format {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" => Format::Csv,
        "md" | "markdown" => Format::Md,
        "log" | "tsv" | "zeek" => Format::Zeek,
        _ => Format::Jsonl,
    }
}

/// Runs the engine over a capture and writes its flow summaries to `out`
/// (through a temporary file renamed when complete), in the format its name
/// gives; with `filter`, only the flows holding a frame that passes it. Prints
/// nothing (the TUI's export). Returns how many flows were written.
pub fn export_flows(
    r: &mut FileReader,
    out: &Path,
    title: &str,
    cfg: &Config,
    filter: Option<&filter::Expr>,
) -> Result<usize, String> {
    let mut export = Export::create(out)?;
    let mut engine = Engine::new(Config {
        detail: filter.is_some(),
        ..cfg.clone()
    });
    let mut w = FlowWriter::new(format_for(out));
    let mut pick = FlowPick::new(filter);
    let mut n = 0;
    let mut body = String::new();
    loop {
        let rec = match r.next_record() {
            Ok(Some(rec)) => rec,
            Ok(None) => break,
            Err(e) => return Err(e.to_string()),
        };
        let p = engine.ingest(&rec);
        pick.see(&p, rec.data);
        for s in engine.take_finished() {
            if pick.keeps(&s) {
                w.add(s);
                n += 1;
            }
        }
        if w.buf.len() > 1 << 16 {
            match w.format {
                // The Zeek header needs the first timestamp: kept until the end.
                Format::Zeek => body.push_str(&w.buf),
                _ => export.write(&w.buf)?,
            }
            w.buf.clear();
        }
    }
    for s in engine.finish() {
        if pick.keeps(&s) {
            w.add(s);
            n += 1;
        }
    }
    let notes = engine_notes(&engine);
    w.close(title, &notes, &body);
    export.write(&w.buf)?;
    export.commit()?;
    Ok(n)
}

/// `flows -Y`: remembers the flows that had a frame passing the filter (all
/// flows pass without one).
struct FlowPick<'a> {
    filter: Option<&'a filter::Expr>,
    picked: std::collections::HashSet<(&'static str, u64)>,
    tree: Tree,
}

impl<'a> FlowPick<'a> {
    fn new(filter: Option<&'a filter::Expr>) -> Self {
        FlowPick {
            filter,
            picked: std::collections::HashSet::new(),
            tree: Tree::new(),
        }
    }

    /// Looks at one frame (its tree is built only while its flow is not picked yet).
    fn see(&mut self, p: &Processed, data: &[u8]) {
        if let (Some(f), Some(flow)) = (self.filter, p.flow) {
            if !self.picked.contains(&flow) {
                build_tree(&p.decoded, &p.meta, data, &p.ann, &mut self.tree);
                if filter::matches(f, &self.tree, data) {
                    self.picked.insert(flow);
                }
            }
        }
    }

    fn keeps(&self, s: &FlowSummary) -> bool {
        self.filter.is_none() || self.picked.contains(&(s.proto, s.id))
    }
}

pub(crate) struct FlowWriter {
    pub(crate) format: Format,
    pub(crate) buf: String,
    md: Vec<FlowSummary>,
    first_ts: Option<f64>,
    last_ts: f64,
}

impl FlowWriter {
    pub(crate) fn new(format: Format) -> Self {
        let mut buf = String::new();
        if format == Format::Csv {
            buf.push_str(export::CSV_HEADER);
        }
        FlowWriter {
            format,
            buf,
            md: Vec::new(),
            first_ts: None,
            last_ts: 0.0,
        }
    }

    /// Completes the output: the Markdown report (titled `title`, with
    /// `notes`) or the Zeek header and footer around `body` (the rows kept
    /// back until the first timestamp was known) and what is in `buf`.
    pub(crate) fn close(&mut self, title: &str, notes: &[String], body: &str) {
        match self.format {
            Format::Md => export::markdown(&mut self.buf, title, &self.md, notes),
            Format::Zeek => {
                let mut full = String::new();
                export::zeek_header(&mut full, self.first_ts.unwrap_or(0.0));
                full.push_str(body);
                full.push_str(&self.buf);
                export::zeek_footer(&mut full, self.last_ts);
                self.buf = full;
            }
            _ => {}
        }
    }

    pub(crate) fn add(&mut self, s: FlowSummary) {
        if self.first_ts.is_none() {
            self.first_ts = Some(s.first_ts);
        }
        self.first_ts = self.first_ts.map(|t| t.min(s.first_ts));
        self.last_ts = self.last_ts.max(s.last_ts);
        match self.format {
            Format::Jsonl => export::jsonl(&mut self.buf, &s),
            Format::Csv => export::csv(&mut self.buf, &s),
            Format::Zeek => export::zeek(&mut self.buf, &s),
            Format::Md => self.md.push(s),
        }
    }
}

/// What the engine noticed across flows (SYN floods, the flow cap), for stderr and reports.
pub(crate) fn engine_notes(engine: &Engine) -> Vec<String> {
    let mut notes = Vec::new();
    for a in &engine.alerts {
        notes.push(format!(
            "probable SYN flood: {} half-open connections to {} within {:.3} s",
            a.half_open, a.listener, a.span_s
        ));
    }
    if engine.evicted > 0 {
        notes.push(format!(
            "{} flows were summarised early: the live-flow cap ({}) was reached",
            engine.evicted,
            engine.config().max_flows
        ));
    }
    notes
}

/// `wirelens flows`: one annotated summary per flow.
pub fn flows(o: &FlowsOpts) -> Status {
    let mut export = match &o.out {
        Some(p) => match Export::create(p) {
            Ok(e) => Some(e),
            Err(m) => {
                eprintln!("wirelens: {m}");
                return Status::Error;
            }
        },
        None => None,
    };
    let mut r = match open(&o.file) {
        Ok(r) => r,
        Err(s) => return s,
    };
    let mut engine = Engine::new(Config {
        detail: o.filter.is_some(),
        ..o.cfg.clone()
    });
    let mut w = FlowWriter::new(o.format);
    let mut pick = FlowPick::new(o.filter.as_ref());
    let mut out = Out::new();
    let mut body = String::new();
    let emit = |w: &mut FlowWriter,
                out: &mut Out,
                export: &mut Option<Export>,
                body: &mut String,
                last: bool|
     -> Result<(), Closed> {
        if w.buf.is_empty() {
            return Ok(());
        }
        match (export.as_mut(), w.format) {
            // The Zeek header needs the first timestamp: keep the body until the end.
            (_, Format::Zeek) if !last => body.push_str(&w.buf),
            (Some(e), _) => e.write(&w.buf).map_err(|m| {
                eprintln!("wirelens: {m}");
                Closed
            })?,
            (None, _) => {
                out.buf.push_str(&w.buf);
                out.push()?;
            }
        }
        w.buf.clear();
        Ok(())
    };
    let res = walk(&mut r, &mut engine, o.count, |engine, p, data| {
        pick.see(&p, data);
        for s in engine.take_finished() {
            if pick.keeps(&s) {
                w.add(s);
            }
        }
        if w.buf.len() > 1 << 15 {
            emit(&mut w, &mut out, &mut export, &mut body, false)?;
        }
        Ok(true)
    });
    let status = match res {
        Ok(s) => s,
        Err(Closed) => return if export.is_some() { Status::Error } else { Status::Ok },
    };
    for s in engine.finish() {
        if pick.keeps(&s) {
            w.add(s);
        }
    }
    let notes = engine_notes(&engine);
    w.close(&o.file.display().to_string(), &notes, &body);
    for n in &notes {
        eprintln!("wirelens: {n}");
    }
    let res = emit(&mut w, &mut out, &mut export, &mut body, true);
    if res.is_err() {
        return if export.is_some() { Status::Error } else { Status::Ok };
    }
    if let Some(e) = export {
        if let Err(m) = e.commit() {
            eprintln!("wirelens: {m}");
            return Status::Error;
        }
    }
    let _ = out.finish();
    report_warnings(&r);
    status
}

fn follow_header(out: &mut String, f: &FollowOpts, nodes: Option<(String, String)>) {
    let (proto, n) = match f.flow {
        FlowRef::Tcp(n) => ("tcp", n),
        FlowRef::Udp(n) => ("udp", n),
    };
    let fmt = match f.format {
        FollowFormat::Ascii => "ascii",
        FollowFormat::Hex => "hex",
        FollowFormat::Raw => "raw",
        FollowFormat::Messages => "messages",
    };
    out.push_str("===================================================================\n");
    out.push_str(&format!("Follow: {proto},{fmt}\nFilter: {proto}.stream eq {n}\n"));
    if let Some((a, b)) = nodes {
        out.push_str(&format!("Node 0: {a}\nNode 1: {b}\n"));
    }
}

pub(crate) fn follow_chunk(out: &mut String, side: Side, bytes: &[u8], offset: u64, fmt: FollowFormat) {
    let indent = if side == Side::Server { "\t" } else { "" };
    match fmt {
        FollowFormat::Ascii | FollowFormat::Messages => {
            out.push_str(&format!("{indent}{}\n", bytes.len()));
            let mut line = String::from(indent);
            for &b in bytes {
                match b {
                    b'\n' => {
                        out.push_str(&line);
                        out.push('\n');
                        line = String::from(indent);
                    }
                    0x20..=0x7e | b'\t' => line.push(char::from(b)),
                    b'\r' => {}
                    _ => line.push('.'),
                }
            }
            if line.len() > indent.len() {
                out.push_str(&line);
                out.push('\n');
            }
        }
        FollowFormat::Hex => {
            for (i, chunk) in bytes.chunks(16).enumerate() {
                let mut hex = String::new();
                let mut asc = String::new();
                for (j, b) in chunk.iter().enumerate() {
                    if j == 8 {
                        hex.push(' ');
                    }
                    hex.push_str(&format!("{b:02x} "));
                    asc.push(if (0x20..0x7f).contains(b) { char::from(*b) } else { '.' });
                }
                out.push_str(&format!("{indent}{:08X}  {hex:<49} {asc}\n", offset + (i as u64) * 16));
            }
        }
        FollowFormat::Raw => {
            let mut s = String::from(indent);
            wirelens_dissectors::tree::write_hex(&mut s, bytes, None);
            out.push_str(&s);
            out.push('\n');
        }
    }
}

/// The application messages a frame completed, each with a header line,
/// its text and the engine's lessons about it.
pub(crate) fn follow_messages(out: &mut String, p: &Processed, data: &[u8]) {
    use std::fmt::Write as _;
    let tdata = p.decoded.transport_data(data);
    for pdu in &p.ann.app {
        let bytes = pdu.data(tdata);
        let mut info = String::new();
        wirelens_dissectors::app::info(pdu.proto, bytes, &mut info);
        let dir = if pdu.from_client {
            "client → server"
        } else {
            "server → client"
        };
        let frames = if pdu.segments.is_empty() {
            String::new()
        } else {
            let f: Vec<String> = pdu.segments.iter().take(6).map(|(n, _)| format!("#{n}")).collect();
            let more = match pdu.segments.len() {
                n if n > 7 => format!(" ... #{} ({n} frames)", pdu.segments.last().map_or(0, |l| l.0)),
                7 => format!(" #{}", pdu.segments.last().map_or(0, |l| l.0)),
                _ => String::new(),
            };
            format!(", from frames {}{more}", f.join(" "))
        };
        let _ = writeln!(
            out,
            "── frame {} at {:.6} s, {dir}, {}: {} ({} bytes{frames})",
            p.meta.number,
            p.meta.rel_ns as f64 / 1e9,
            pdu.proto.column_name(),
            info.trim_end(),
            bytes.len()
        );
        wirelens_dissectors::app::message_text(pdu.proto, bytes, 1024, out);
        fn lessons(out: &mut String, n: &wirelens_dissectors::AnnotNode) {
            if n.name.starts_with("wirelens.") {
                if let Some(t) = &n.text {
                    let _ = writeln!(out, "   » {t}");
                }
            }
            for c in &n.children {
                lessons(out, c);
            }
        }
        for n in &pdu.nodes {
            lessons(out, n);
        }
        out.push('\n');
    }
}

/// `wirelens follow`: the reassembled payload of one flow, both directions in order.
pub fn follow(o: &FollowOpts) -> Status {
    let mut r = match open(&o.file) {
        Ok(r) => r,
        Err(s) => return s,
    };
    let messages = o.format == FollowFormat::Messages;
    let mut engine = Engine::new(Config {
        detail: messages,
        ..o.cfg.clone()
    });
    let mut body = String::new();
    let mut nodes: Option<(String, String)> = None;
    let mut found = false;
    let mut client: Option<String> = None;
    let want = o.flow;
    let res = walk(&mut r, &mut engine, None, |_, p, data| {
        match (p.flow, want) {
            (Some(("tcp", n)), FlowRef::Tcp(m)) if n == m => {
                found = true;
                if nodes.is_none() {
                    if let (Some(ip), Some(t)) = (&p.decoded.ip, p.decoded.tcp()) {
                        let a = crate::flow::Endpoint {
                            ip: ip.src(),
                            port: t.sport,
                        };
                        let b = crate::flow::Endpoint {
                            ip: ip.dst(),
                            port: t.dport,
                        };
                        let (c, s, _) = crate::tcp::orient(a, b, t.syn(), t.ack_flag());
                        nodes = Some((c.to_string(), s.to_string()));
                    }
                }
                if messages {
                    follow_messages(&mut body, &p, data);
                    return Ok(true);
                }
                for (side, piece) in &p.pieces {
                    match piece {
                        Piece::Data { offset, bytes, .. } => follow_chunk(&mut body, *side, bytes, *offset, o.format),
                        Piece::Gap { len, .. } => {
                            let indent = if *side == Side::Server { "\t" } else { "" };
                            body.push_str(&format!("{indent}[{len} bytes missing in capture]\n"));
                        }
                    }
                }
            }
            (Some(("udp", n)), FlowRef::Udp(m)) if n == m => {
                found = true;
                if let (Some(ip), Some(u)) = (&p.decoded.ip, p.decoded.udp()) {
                    let src = crate::flow::Endpoint {
                        ip: ip.src(),
                        port: u.sport,
                    }
                    .to_string();
                    let dst = crate::flow::Endpoint {
                        ip: ip.dst(),
                        port: u.dport,
                    }
                    .to_string();
                    let c = client.get_or_insert_with(|| src.clone()).clone();
                    if nodes.is_none() {
                        nodes = Some((src.clone(), dst));
                    }
                    let side = if src == c { Side::Client } else { Side::Server };
                    if messages {
                        follow_messages(&mut body, &p, data);
                        return Ok(true);
                    }
                    follow_chunk(&mut body, side, p.decoded.l4_payload(data), 0, o.format);
                }
            }
            _ => {}
        }
        Ok(true)
    });
    if res.is_err() {
        return Status::Ok;
    }
    // What reassembly still held at the end of the capture (gaps never filled).
    let _ = engine.finish();
    if !found {
        let what = match o.flow {
            FlowRef::Tcp(n) => format!("TCP stream {n}"),
            FlowRef::Udp(n) => format!("UDP stream {n}"),
        };
        eprintln!(
            "wirelens: there is no {what} in {} (run `wirelens flows {}` to list the flows)",
            o.file.display(),
            o.file.display()
        );
        return Status::Error;
    }
    let mut out = Out::new();
    follow_header(&mut out.buf, o, nodes);
    out.buf.push_str(&body);
    out.buf
        .push_str("===================================================================\n");
    let _ = out.finish();
    report_warnings(&r);
    Status::Ok
}
