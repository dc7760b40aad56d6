//! [`PcapWriter`]: writes classic pcap (µs or ns) or pcapng.
//!
//! A file is written as `PATH.tmp-XXXXXXXX` next to `PATH` and renamed to
//! `PATH` by [`PcapWriter::finish`], so an export never leaves a half file
//! under the final name: dropping an unfinished writer deletes the temporary
//! file. In stream mode ([`PcapWriter::create_stream`], for live capture
//! `-w`) every record reaches the temporary file within 100 ms (or at
//! [`PcapWriter::flush`]), and the rename is done by `finish` or, if the
//! writer is dropped without it,
//! by the drop (the records written so far are complete and kept).
//! The path `-` writes to standard output (no temporary file).
//!
//! To keep a pcapng file's interfaces (names, several interfaces of one link
//! type) in an export, create it with
//! [`PcapWriter::create_with_interfaces`]`(path, format, reader.interfaces())`
//! and [`PcapWriter::write`] each record: it goes on its own interface.
//! Otherwise `write` picks the interface by link type (one is added per new
//! link type). Classic pcap has one link type, no comments and no flags:
//! those are dropped.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use super::error::CaptureError;
use super::{Interface, Record, Timestamp};

/// Longest time a record waits in the buffer in stream mode.
const STREAM_FLUSH: std::time::Duration = std::time::Duration::from_millis(100);

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteFormat {
    /// Classic pcap, little-endian, version 2.4; `nanos` selects the
    /// nanosecond magic (a1b23c4d) instead of microseconds.
    Pcap { nanos: bool },
    /// pcapng, little-endian, nanosecond timestamps; one interface per link
    /// type met (or as added with [`PcapWriter::add_interface`]).
    Pcapng,
}

enum Sink {
    File(File),
    Stdout(io::Stdout),
}

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        match self {
            Sink::File(f) => f.write(b),
            Sink::Stdout(s) => s.write(b),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::File(f) => f.flush(),
            Sink::Stdout(s) => s.flush(),
        }
    }
}

/// Writer of a capture file. See the [module documentation](self).
pub struct PcapWriter {
    out: Option<BufWriter<Sink>>,
    /// (temporary path, final path); `None` for standard output.
    paths: Option<(PathBuf, PathBuf)>,
    name: String,
    format: WriteFormat,
    linktype: u32,
    snaplen: u32,
    stream: bool,
    last_flush: std::time::Instant,
    /// pcapng: link type of each interface written.
    ifaces: Vec<u32>,
    records: u64,
    scratch: Vec<u8>,
}

impl std::fmt::Debug for PcapWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcapWriter")
            .field("path", &self.name)
            .field("format", &self.format)
            .field("stream", &self.stream)
            .field("records", &self.records)
            .finish_non_exhaustive()
    }
}

static TMP_COUNTER: AtomicU32 = AtomicU32::new(0);

fn tmp_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let mix = nanos ^ std::process::id().rotate_left(16) ^ n.wrapping_mul(0x9e37_79b9);
    format!("{mix:08x}")
}

impl PcapWriter {
    /// Creates an export: `path.tmp-XXXXXXXX`, renamed to `path` by
    /// [`finish`](Self::finish). `snaplen` 0 means "no limit" (262144 is
    /// written in a pcap header). For pcap every record must have `linktype`.
    pub fn create(path: &Path, format: WriteFormat, linktype: u32, snaplen: u32) -> Result<PcapWriter, CaptureError> {
        Self::create_inner(path, format, &[Interface::new(linktype, snaplen)], false)
    }

    /// Creates an export whose interfaces are `interfaces` (pass a reader's
    /// `interfaces()`): in pcapng their ids, names, descriptions and comments
    /// are kept, so [`write`](Self::write) puts each record on its
    /// `Record::iface`. In pcap all must have the same link type (the snap
    /// length written is the largest).
    pub fn create_with_interfaces(
        path: &Path,
        format: WriteFormat,
        interfaces: &[Interface],
    ) -> Result<PcapWriter, CaptureError> {
        Self::create_inner(path, format, interfaces, false)
    }

    /// Like [`create`](Self::create), but flushes every record (live capture).
    pub fn create_stream(
        path: &Path,
        format: WriteFormat,
        linktype: u32,
        snaplen: u32,
    ) -> Result<PcapWriter, CaptureError> {
        Self::create_inner(path, format, &[Interface::new(linktype, snaplen)], true)
    }

    fn create_inner(
        path: &Path,
        format: WriteFormat,
        interfaces: &[Interface],
        stream: bool,
    ) -> Result<PcapWriter, CaptureError> {
        let name = path.display().to_string();
        let Some(first) = interfaces.first() else {
            return Err(CaptureError::Unwritable {
                path: name,
                problem: "no interface was given".into(),
            });
        };
        let linktype = first.linktype;
        let snaplen = if interfaces.iter().any(|i| i.snaplen == 0) {
            0
        } else {
            interfaces.iter().map(|i| i.snaplen).max().unwrap_or(0)
        };
        if let WriteFormat::Pcap { .. } = format {
            if let Some(other) = interfaces.iter().find(|i| i.linktype != linktype) {
                return Err(CaptureError::Unwritable {
                    path: name,
                    problem: format!(
                        "interfaces of link types {linktype} and {} cannot go into one pcap file; export as pcapng",
                        other.linktype
                    ),
                });
            }
        }
        let (sink, paths) = if path.as_os_str() == "-" {
            (Sink::Stdout(io::stdout()), None)
        } else {
            if path.is_dir() {
                return Err(CaptureError::Write {
                    path: name,
                    source: io::Error::new(io::ErrorKind::IsADirectory, "it is a directory; give a file name"),
                });
            }
            let file_name = path.file_name().ok_or_else(|| CaptureError::Write {
                path: name.clone(),
                source: io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"),
            })?;
            let mut attempt = 0;
            loop {
                let mut tmp_name = file_name.to_os_string();
                tmp_name.push(format!(".tmp-{}", tmp_suffix()));
                let tmp = path.with_file_name(tmp_name);
                match OpenOptions::new().write(true).create_new(true).open(&tmp) {
                    Ok(f) => break (Sink::File(f), Some((tmp, path.to_path_buf()))),
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 16 => attempt += 1,
                    Err(source) => return Err(CaptureError::Write { path: name, source }),
                }
            }
        };
        let mut w = PcapWriter {
            out: Some(BufWriter::with_capacity(1 << 20, sink)),
            paths,
            name,
            format,
            linktype,
            snaplen,
            stream,
            last_flush: std::time::Instant::now(),
            ifaces: Vec::new(),
            records: 0,
            scratch: Vec::new(),
        };
        w.write_header()?;
        if format == WriteFormat::Pcapng {
            for ifc in interfaces {
                w.add_interface(ifc)?;
            }
        }
        Ok(w)
    }

    fn io_err(&self, source: io::Error) -> CaptureError {
        CaptureError::Write {
            path: self.name.clone(),
            source,
        }
    }

    fn emit(&mut self) -> Result<(), CaptureError> {
        let r = match self.out.as_mut() {
            Some(o) => {
                let r = o.write_all(&self.scratch);
                // Stream mode: what was captured reaches the file within
                // 100 ms, without a system call per packet.
                if r.is_ok() && self.stream && self.last_flush.elapsed() >= STREAM_FLUSH {
                    self.last_flush = std::time::Instant::now();
                    o.flush()
                } else {
                    r
                }
            }
            None => Err(io::Error::other("the writer is finished")),
        };
        r.map_err(|e| self.io_err(e))
    }

    fn write_header(&mut self) -> Result<(), CaptureError> {
        self.scratch.clear();
        match self.format {
            WriteFormat::Pcap { nanos } => {
                let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
                let snaplen = if self.snaplen == 0 {
                    super::SANE_RECORD_LEN
                } else {
                    self.snaplen
                };
                let s = &mut self.scratch;
                s.extend_from_slice(&magic.to_le_bytes());
                s.extend_from_slice(&2u16.to_le_bytes());
                s.extend_from_slice(&4u16.to_le_bytes());
                s.extend_from_slice(&0i32.to_le_bytes());
                s.extend_from_slice(&0u32.to_le_bytes());
                s.extend_from_slice(&snaplen.to_le_bytes());
                s.extend_from_slice(&self.linktype.to_le_bytes());
                self.emit()
            }
            WriteFormat::Pcapng => {
                let mut body = Vec::new();
                body.extend_from_slice(&super::pcapng::BYTE_ORDER_MAGIC.to_le_bytes());
                body.extend_from_slice(&1u16.to_le_bytes());
                body.extend_from_slice(&0u16.to_le_bytes());
                body.extend_from_slice(&(-1i64).to_le_bytes());
                push_opt(&mut body, 4, concat!("wirelens ", env!("CARGO_PKG_VERSION")).as_bytes());
                push_opt(&mut body, 0, &[]);
                push_block(&mut self.scratch, super::pcapng::SHB, &body);
                self.emit()
            }
        }
    }

    /// pcapng: writes an Interface Description Block (link type, snap
    /// length, name, description, comments; timestamps are always written in
    /// nanoseconds) and returns its id for
    /// [`write_packet_on`](Self::write_packet_on). pcap: returns 0 if the
    /// link type is the file's, an error otherwise.
    pub fn add_interface(&mut self, ifc: &Interface) -> Result<u32, CaptureError> {
        if let WriteFormat::Pcap { .. } = self.format {
            return if ifc.linktype == self.linktype {
                Ok(0)
            } else {
                Err(self.linktype_mismatch(ifc.linktype))
            };
        }
        let id = u32::try_from(self.ifaces.len()).unwrap_or(u32::MAX);
        let Ok(lt) = u16::try_from(ifc.linktype) else {
            return Err(CaptureError::Unwritable {
                path: self.name.clone(),
                problem: format!("link type {} does not fit pcapng's 16-bit field", ifc.linktype),
            });
        };
        let mut body = Vec::new();
        body.extend_from_slice(&lt.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&ifc.snaplen.to_le_bytes());
        for c in &ifc.comments {
            push_opt(&mut body, 1, c.as_bytes());
        }
        if let Some(n) = &ifc.name {
            push_opt(&mut body, 2, n.as_bytes());
        }
        if let Some(d) = &ifc.description {
            push_opt(&mut body, 3, d.as_bytes());
        }
        push_opt(&mut body, 9, &[9]);
        if let Some(f) = ifc.fcs_len {
            push_opt(&mut body, 13, &[f]);
        }
        push_opt(&mut body, 0, &[]);
        self.scratch.clear();
        push_block(&mut self.scratch, super::pcapng::IDB, &body);
        self.emit()?;
        self.ifaces.push(ifc.linktype);
        Ok(id)
    }

    fn linktype_mismatch(&self, linktype: u32) -> CaptureError {
        CaptureError::Unwritable {
            path: self.name.clone(),
            problem: format!(
                "a packet of link type {linktype} cannot go into a pcap file of link type {}; export as pcapng, which allows several link types",
                self.linktype
            ),
        }
    }

    /// Writes a record read by [`super::FileReader`] (timestamp, lengths,
    /// link type, data; in pcapng also comments and flags). pcapng: on
    /// interface `rec.iface` if the writer has it with the record's link
    /// type, else on the first interface of that link type (added if needed).
    pub fn write(&mut self, rec: &Record<'_>) -> Result<(), CaptureError> {
        let iface = match self.ifaces.get(rec.iface as usize) {
            Some(&lt) if lt == rec.linktype => rec.iface,
            _ => self.iface_for(rec.linktype)?,
        };
        self.write_inner(iface, rec.ts, rec.origlen, rec.data, &rec.comments, rec.flags)
    }

    /// Writes one packet.
    pub fn write_packet(
        &mut self,
        ts: Timestamp,
        origlen: u32,
        linktype: u32,
        data: &[u8],
    ) -> Result<(), CaptureError> {
        let iface = self.iface_for(linktype)?;
        self.write_inner(iface, ts, origlen, data, &[], None)
    }

    /// pcapng: writes one packet on an interface from
    /// [`add_interface`](Self::add_interface), with comments and epb_flags.
    /// pcap: `iface` must be 0 and comments/flags are dropped.
    pub fn write_packet_on(
        &mut self,
        iface: u32,
        ts: Timestamp,
        origlen: u32,
        data: &[u8],
        comments: &[String],
        flags: Option<u32>,
    ) -> Result<(), CaptureError> {
        let known = match self.format {
            WriteFormat::Pcap { .. } => iface == 0,
            WriteFormat::Pcapng => (iface as usize) < self.ifaces.len(),
        };
        if !known {
            return Err(CaptureError::Unwritable {
                path: self.name.clone(),
                problem: format!("interface {iface} was not added"),
            });
        }
        self.write_inner(iface, ts, origlen, data, comments, flags)
    }

    fn iface_for(&mut self, linktype: u32) -> Result<u32, CaptureError> {
        match self.format {
            WriteFormat::Pcap { .. } if linktype == self.linktype => Ok(0),
            WriteFormat::Pcap { .. } => Err(self.linktype_mismatch(linktype)),
            WriteFormat::Pcapng => match self.ifaces.iter().position(|&l| l == linktype) {
                Some(i) => Ok(u32::try_from(i).unwrap_or(u32::MAX)),
                None => {
                    let mut ifc = Interface::new(linktype, self.snaplen);
                    ifc.tsresol = 9;
                    self.add_interface(&ifc)
                }
            },
        }
    }

    fn write_inner(
        &mut self,
        iface: u32,
        ts: Timestamp,
        origlen: u32,
        data: &[u8],
        comments: &[String],
        flags: Option<u32>,
    ) -> Result<(), CaptureError> {
        let limit = if self.snaplen == 0 {
            super::MAX_RECORD_LEN
        } else {
            self.snaplen.min(super::MAX_RECORD_LEN)
        };
        let caplen = u32::try_from(data.len()).unwrap_or(u32::MAX).min(limit);
        let data = data.get(..caplen as usize).unwrap_or(data);
        let origlen = origlen.max(caplen);
        self.scratch.clear();
        match self.format {
            WriteFormat::Pcap { nanos } => {
                let Ok(secs) = u32::try_from(ts.secs) else {
                    return Err(CaptureError::Unwritable {
                        path: self.name.clone(),
                        problem: format!("timestamp {ts} is outside pcap's range (1970 to 2106); export as pcapng"),
                    });
                };
                let frac = if nanos { ts.nanos } else { ts.nanos / 1000 };
                let s = &mut self.scratch;
                s.extend_from_slice(&secs.to_le_bytes());
                s.extend_from_slice(&frac.to_le_bytes());
                s.extend_from_slice(&caplen.to_le_bytes());
                s.extend_from_slice(&origlen.to_le_bytes());
                s.extend_from_slice(data);
            }
            WriteFormat::Pcapng => {
                let Ok(ticks) = u64::try_from(ts.as_nanos()) else {
                    return Err(CaptureError::Unwritable {
                        path: self.name.clone(),
                        problem: format!(
                            "timestamp {ts} is before 1970 or after 2554, outside pcapng's nanosecond range"
                        ),
                    });
                };
                let body = &mut self.scratch;
                let start = begin_block(body, super::pcapng::EPB);
                body.extend_from_slice(&iface.to_le_bytes());
                body.extend_from_slice(&((ticks >> 32) as u32).to_le_bytes());
                body.extend_from_slice(&(ticks as u32).to_le_bytes());
                body.extend_from_slice(&caplen.to_le_bytes());
                body.extend_from_slice(&origlen.to_le_bytes());
                body.extend_from_slice(data);
                pad(body);
                if !comments.is_empty() || flags.is_some() {
                    for c in comments {
                        push_opt(body, 1, c.as_bytes());
                    }
                    if let Some(f) = flags {
                        push_opt(body, 2, &f.to_le_bytes());
                    }
                    push_opt(body, 0, &[]);
                }
                end_block(body, start);
            }
        }
        self.emit()?;
        self.records = self.records.saturating_add(1);
        Ok(())
    }

    /// Writes out what is buffered (stream mode does it at least every 100 ms
    /// while records come; call it when the capture goes quiet).
    pub fn flush(&mut self) -> Result<(), CaptureError> {
        let r = match self.out.as_mut() {
            Some(o) => o.flush(),
            None => Ok(()),
        };
        self.last_flush = std::time::Instant::now();
        r.map_err(|e| self.io_err(e))
    }

    /// Records written so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The temporary file being written (`None` for standard output).
    pub fn temp_path(&self) -> Option<&Path> {
        self.paths.as_ref().map(|p| p.0.as_path())
    }

    /// Flushes, syncs and renames the temporary file to the final path.
    /// Returns the number of records written.
    pub fn finish(mut self) -> Result<u64, CaptureError> {
        self.close(true)?;
        Ok(self.records)
    }

    fn close(&mut self, sync: bool) -> Result<(), CaptureError> {
        let Some(out) = self.out.take() else { return Ok(()) };
        let sink = out.into_inner().map_err(|e| self.io_err(e.into_error()))?;
        if let Sink::File(f) = &sink {
            if sync {
                f.sync_all().map_err(|e| self.io_err(e))?;
            }
        }
        drop(sink);
        if let Some((tmp, fin)) = &self.paths {
            std::fs::rename(tmp, fin).map_err(|e| self.io_err(e))?;
        }
        Ok(())
    }
}

impl Drop for PcapWriter {
    /// Unfinished export: the temporary file is deleted. Unfinished stream:
    /// it is renamed to the final path (its records are complete).
    fn drop(&mut self) {
        if self.out.is_none() {
            return;
        }
        if self.stream {
            let _ = self.close(false);
        } else {
            self.out = None;
            if let Some((tmp, _)) = &self.paths {
                let _ = std::fs::remove_file(tmp);
            }
        }
    }
}

fn pad(b: &mut Vec<u8>) {
    while b.len() & 3 != 0 {
        b.push(0);
    }
}

fn push_opt(b: &mut Vec<u8>, code: u16, v: &[u8]) {
    let v = v.get(..usize::from(u16::MAX)).unwrap_or(v);
    b.extend_from_slice(&code.to_le_bytes());
    b.extend_from_slice(&u16::try_from(v.len()).unwrap_or(u16::MAX).to_le_bytes());
    b.extend_from_slice(v);
    pad(b);
}

/// Starts a block in `out` (type and a length patched by [`end_block`]).
fn begin_block(out: &mut Vec<u8>, btype: u32) -> usize {
    let start = out.len();
    out.extend_from_slice(&btype.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    start
}

fn end_block(out: &mut Vec<u8>, start: usize) {
    let len = u32::try_from(out.len().saturating_sub(start).saturating_add(4)).unwrap_or(u32::MAX);
    if let Some(l) = out.get_mut(start.saturating_add(4)..start.saturating_add(8)) {
        l.copy_from_slice(&len.to_le_bytes());
    }
    out.extend_from_slice(&len.to_le_bytes());
}

fn push_block(out: &mut Vec<u8>, btype: u32, body: &[u8]) {
    let len = u32::try_from(body.len().saturating_add(12)).unwrap_or(u32::MAX);
    out.extend_from_slice(&btype.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(&len.to_le_bytes());
}
