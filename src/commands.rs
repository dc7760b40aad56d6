//! The commands behind the CLI: each takes parsed options, streams the
//! capture through the engine and writes to stdout; errors go to stderr.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use wirelens_dissectors::Tree;

use crate::capture::{FileFormat, FileReader};
use crate::engine::Engine;
use crate::output;

/// Exit status of a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Everything read and written.
    Ok,
    /// A fatal error (message already printed).
    Error,
}

impl Status {
    pub fn code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Error => 1,
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
    /// Print the field names as a first line (`-E header=y`).
    pub header: bool,
}

#[derive(Clone, Debug)]
pub struct TreeOpts {
    pub file: PathBuf,
    pub count: Option<u64>,
    pub frame: Option<u64>,
    pub json: bool,
}

/// Buffered stdout that ends quietly when the reader goes away (`| head`).
struct Out {
    w: io::BufWriter<io::Stdout>,
    buf: String,
}

/// Stdout was closed by its reader: stop without an error.
struct Closed;

impl Out {
    fn new() -> Self {
        Out { w: io::BufWriter::with_capacity(1 << 18, io::stdout()), buf: String::with_capacity(1 << 16) }
    }

    fn push(&mut self) -> Result<(), Closed> {
        if self.buf.len() >= 1 << 15 {
            self.flush_buf()?;
        }
        Ok(())
    }

    fn flush_buf(&mut self) -> Result<(), Closed> {
        let r = self.w.write_all(self.buf.as_bytes());
        self.buf.clear();
        r.map_err(|_| Closed)
    }

    fn finish(mut self) -> Result<(), Closed> {
        self.flush_buf()?;
        self.w.flush().map_err(|_| Closed)
    }
}

/// Digits after the point in the time column: the file's timestamp precision.
fn time_decimals(r: &FileReader) -> u32 {
    match r.format() {
        FileFormat::Pcap { nanos: true, .. } => 9,
        FileFormat::Pcap { .. } => 6,
        // if_tsresol: 10^-n seconds (n digits), or 2^-n with the top bit set.
        FileFormat::Pcapng => r.interfaces().first().map(|i| if i.tsresol & 0x80 == 0 { u32::from(i.tsresol).min(9) } else { 9 }).unwrap_or(6),
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
    limit: Option<u64>,
    mut each: impl FnMut(&crate::engine::Processed, &[u8]) -> Result<bool, Closed>,
) -> Result<Status, Closed> {
    let mut engine = Engine::new();
    loop {
        if limit.is_some_and(|n| engine.frames() >= n) {
            return Ok(Status::Ok);
        }
        match r.next_record() {
            Ok(Some(rec)) => {
                let p = engine.ingest(&rec);
                if !each(&p, rec.data)? {
                    return Ok(Status::Ok);
                }
            }
            Ok(None) => return Ok(Status::Ok),
            Err(e) => {
                eprintln!("wirelens: {e}");
                eprintln!("wirelens: the {} frames before the error were processed", engine.frames());
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
    let decimals = time_decimals(&r);
    let mut out = Out::new();
    let mut tree = Tree::new();
    let mut fields = match &o.format {
        PacketsFormat::Fields(f) => Some(output::FieldsWriter::new(f)),
        PacketsFormat::Lines => None,
    };
    if let (PacketsFormat::Fields(f), true) = (&o.format, o.header) {
        out.buf.push_str(&f.join("\t"));
        out.buf.push('\n');
    }
    let res = walk(&mut r, o.count, |p, data| {
        match &mut fields {
            None => output::packet_line(&mut out.buf, p, data, decimals),
            Some(w) => w.line(&mut out.buf, p, data, &mut tree, decimals),
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
    let res = walk(&mut r, limit, |p, data| {
        if let Some(n) = o.frame {
            if p.meta.number != n {
                return Ok(true);
            }
            found = true;
        }
        if o.json {
            output::tree_json(&mut out.buf, p, data, &mut tree);
        } else {
            output::tree_text(&mut out.buf, p, data, &mut tree);
        }
        out.push()?;
        Ok(o.frame.is_none())
    });
    let status = finish(res, out, &r);
    if !found && status == Status::Ok {
        if let Some(n) = o.frame {
            eprintln!("wirelens: there is no frame {n} in {}: it holds fewer frames", o.file.display());
            return Status::Error;
        }
    }
    status
}
