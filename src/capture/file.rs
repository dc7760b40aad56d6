//! [`FileReader`]: the streaming reader of pcap and pcapng files.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use nom::number::Endianness;

use super::buf::StreamBuf;
use super::error::CaptureError;
use super::pcap::{self, HeaderError, PcapHeader};
use super::pcapng::{self, block_name, u32_at, PacketBlock};
use super::sniff;
use super::{FileFormat, Interface, Note, Record, Timestamp, MAX_RECORD_LEN, SANE_RECORD_LEN};

/// Warnings kept; later ones are only counted (in a final
/// [`CaptureError::WarningsSuppressed`] entry).
const MAX_WARNINGS: usize = 100;
/// Notes kept between two `take_notes` calls; later ones are dropped.
const MAX_PENDING_NOTES: usize = 100_000;

#[derive(Clone, Copy, Debug)]
enum Mode {
    Pcap(PcapHeader),
    Pcapng,
}

/// A pcapng section: its byte order and where its interfaces sit in the
/// reader's global interface list.
#[derive(Clone, Copy, Debug)]
struct Section {
    offset: u64,
    endian: Endianness,
    iface_base: u32,
    iface_count: u32,
}

/// A record found in the buffer, before it is turned into a [`Record`].
struct Meta {
    start: usize,
    caplen: u32,
    origlen: u32,
    ts: Timestamp,
    linktype: u32,
    iface: u32,
    offset: u64,
    comments: Vec<String>,
    flags: Option<u32>,
}

enum Step {
    Packet(Meta),
    Other,
    Eof,
}

/// Random access state of `read_at`: its own file handle and buffer, so the
/// streaming walk is not disturbed.
struct AtState {
    file: File,
    buf: Vec<u8>,
}

/// Streaming reader of a pcap or pcapng file (or of standard input).
///
/// Records are read one at a time into a reused buffer; the whole file is
/// never loaded. Fatal problems are returned as errors (and reading ends:
/// later calls return `Ok(None)`); others are kept in
/// [`warnings`](Self::warnings). A record cut off by the end of the file is
/// such a warning: every complete record before it is returned.
pub struct FileReader {
    src: Box<dyn Read + Send>,
    name: String,
    path: Option<PathBuf>,
    buf: StreamBuf,
    file_len: Option<u64>,
    format: FileFormat,
    mode: Mode,
    interfaces: Vec<Interface>,
    sections: Vec<Section>,
    notes: Vec<Note>,
    notes_dropped: u64,
    warnings: Vec<CaptureError>,
    records: u64,
    blocks: u64,
    skipped: u64,
    last_ts: Timestamp,
    done: bool,
    pending: Option<CaptureError>,
    at: Option<AtState>,
    /// Warnings given once per file, later occurrences counted:
    /// (index in `warnings`, count of later ones), by [`Repeat`] class.
    repeats: [(Option<usize>, u64); 2],
}

/// Classes of per-record warnings listed once and then counted.
#[derive(Clone, Copy)]
enum Repeat {
    OverSnaplen = 0,
    BadFraction = 1,
}

impl std::fmt::Debug for FileReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileReader")
            .field("name", &self.name)
            .field("format", &self.format)
            .field("records", &self.records)
            .field("offset", &self.buf.pos())
            .finish_non_exhaustive()
    }
}

impl FileReader {
    /// Opens a capture file; `-` reads standard input.
    pub fn open(path: &Path) -> Result<FileReader, CaptureError> {
        if path.as_os_str() == "-" {
            return Self::start(Box::new(io::stdin()), "<stdin>".into(), None, None);
        }
        let name = path.display().to_string();
        let open_err = |source: io::Error| CaptureError::Open {
            path: name.clone(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(open_err)?;
        if meta.is_dir() {
            return Err(open_err(io::Error::from(io::ErrorKind::IsADirectory)));
        }
        let file = File::open(path).map_err(open_err)?;
        // Only regular files have a length and can be read at random offsets
        // (not FIFOs or character devices).
        let regular = meta.is_file();
        Self::start(
            Box::new(file),
            name,
            regular.then(|| path.to_path_buf()),
            regular.then_some(meta.len()),
        )
    }

    /// Reads a capture from any byte stream (a pipe, a socket, memory).
    /// `name` is used in messages. [`read_at`](Self::read_at) is not available.
    pub fn from_reader(r: Box<dyn Read + Send>, name: &str) -> Result<FileReader, CaptureError> {
        Self::start(r, name.to_string(), None, None)
    }

    fn start(
        src: Box<dyn Read + Send>,
        name: String,
        path: Option<PathBuf>,
        file_len: Option<u64>,
    ) -> Result<FileReader, CaptureError> {
        let mut r = FileReader {
            src,
            name,
            path,
            buf: StreamBuf::new(),
            file_len,
            format: FileFormat::Pcapng,
            mode: Mode::Pcapng,
            interfaces: Vec::new(),
            sections: Vec::new(),
            notes: Vec::new(),
            notes_dropped: 0,
            warnings: Vec::new(),
            records: 0,
            blocks: 0,
            skipped: 0,
            last_ts: Timestamp::ZERO,
            done: false,
            pending: None,
            at: None,
            repeats: [(None, 0); 2],
        };
        let have = r.fill(4)?;
        if have == 0 {
            return Err(CaptureError::Empty { path: r.name });
        }
        let head = r.buf.peek(4);
        if have < 4 {
            if pcap::is_magic_prefix(head) {
                let (format, need) = if head.first() == Some(&0x0a) {
                    ("pcapng", 28)
                } else {
                    ("pcap", 24)
                };
                return Err(CaptureError::TruncatedHeader {
                    path: r.name,
                    format,
                    need,
                    have: have as u64,
                });
            }
            return Err(r.not_capture());
        }
        if pcap::magic(head).is_some() {
            r.open_pcap()?;
        } else if head == [0x0a, 0x0d, 0x0d, 0x0a] {
            r.open_pcapng()?;
        } else {
            r.fill(512)?;
            return Err(r.not_capture());
        }
        Ok(r)
    }

    fn not_capture(&self) -> CaptureError {
        let head = self.buf.peek(512);
        let (looks_like, hint) = sniff::describe(head);
        CaptureError::NotCapture {
            path: self.name.clone(),
            looks_like,
            hint,
            first_bytes: sniff::hex_prefix(head),
        }
    }

    fn open_pcap(&mut self) -> Result<(), CaptureError> {
        let have = self.fill(pcap::FILE_HEADER_LEN)?;
        let h = match pcap::parse_header(self.buf.peek(pcap::FILE_HEADER_LEN)) {
            None => {
                return Err(CaptureError::TruncatedHeader {
                    path: self.name.clone(),
                    format: "pcap",
                    need: pcap::FILE_HEADER_LEN as u64,
                    have: have as u64,
                })
            }
            Some(Err(HeaderError::Version(major, minor))) => {
                return Err(CaptureError::UnsupportedVersion { path: self.name.clone(), format: "pcap", major, minor })
            }
            Some(Err(HeaderError::ReservedBits(lt))) => {
                return Err(CaptureError::BadHeader {
                    path: self.name.clone(),
                    problem: format!(
                        "the link type field 0x{lt:08x} has reserved bits set (0x{:08x}), which libpcap and Wireshark refuse too",
                        lt & 0x03ff_0000
                    ),
                })
            }
            Some(Ok(h)) => h,
        };
        self.buf.consume(pcap::FILE_HEADER_LEN);
        self.mode = Mode::Pcap(h);
        self.format = FileFormat::Pcap {
            nanos: h.nanos,
            big_endian: h.endian == Endianness::Big,
            version: h.version,
        };
        let mut ifc = Interface::new(h.linktype(), h.snaplen);
        ifc.fcs_len = h.fcs_len();
        ifc.ticks_per_sec = h.ticks_per_sec();
        ifc.tsresol = if h.nanos { 9 } else { 6 };
        self.interfaces.push(ifc);
        Ok(())
    }

    fn open_pcapng(&mut self) -> Result<(), CaptureError> {
        let trunc = |name: &str, need: u64, have: usize| CaptureError::TruncatedHeader {
            path: name.to_string(),
            format: "pcapng",
            need,
            have: have as u64,
        };
        let bad = |name: &str, problem: String| CaptureError::BadHeader {
            path: name.to_string(),
            problem,
        };
        let have = self.fill(12)?;
        if have < 12 {
            return Err(trunc(&self.name, u64::from(pcapng::MIN_SHB), have));
        }
        let Some(e) = pcapng::shb_endian(self.buf.peek(12)) else {
            let magic = sniff::hex_prefix(self.buf.peek(12).get(8..12).unwrap_or(&[]));
            return Err(bad(
                &self.name,
                format!("the Section Header Block's byte-order magic is {magic}, not 1a 2b 3c 4d in either byte order"),
            ));
        };
        let len = u32_at(self.buf.peek(8), 4, e);
        if len < pcapng::MIN_SHB || len & 3 != 0 || len > MAX_RECORD_LEN {
            return Err(bad(
                &self.name,
                format!("the Section Header Block length {len} is impossible"),
            ));
        }
        let ulen = len as usize;
        let have = self.fill(ulen)?;
        if have < ulen {
            return Err(trunc(&self.name, u64::from(len), have));
        }
        let block = self.buf.peek(ulen);
        let trailer = u32_at(block, ulen.saturating_sub(4), e);
        if trailer != len {
            return Err(bad(
                &self.name,
                format!("the Section Header Block's length at its end ({trailer}) differs from the one at its start ({len})"),
            ));
        }
        let shb = pcapng::parse_shb(block, e).map_err(|p| bad(&self.name, format!("Section Header Block: {p}")))?;
        if !matches!(shb.version, (1, 0) | (1, 2)) {
            return Err(CaptureError::UnsupportedVersion {
                path: self.name.clone(),
                format: "pcapng",
                major: shb.version.0,
                minor: shb.version.1,
            });
        }
        self.buf.consume(ulen);
        self.blocks = 1;
        self.begin_section(0, e, shb);
        self.prime();
        Ok(())
    }

    /// Reads the Interface Description Blocks that follow the section
    /// header and are already in the buffer (it never waits for input, so a
    /// live pipe does not block `open`), so `interfaces()` is known right
    /// after `open` for files. Errors are kept for the first `next_record`.
    fn prime(&mut self) {
        loop {
            let Some(sec) = self.sections.last() else { return };
            let head = self.buf.peek(8);
            if head.len() < 8 || u32_at(head, 0, sec.endian) != pcapng::IDB {
                return;
            }
            let len = u32_at(head, 4, sec.endian) as usize;
            if len > self.buf.avail() {
                return;
            }
            match self.ng_step() {
                Ok(Step::Other) => {}
                Ok(Step::Eof) => {
                    self.done = true;
                    return;
                }
                Ok(Step::Packet(_)) => return,
                Err(e) => {
                    self.pending = Some(e);
                    return;
                }
            }
        }
    }

    fn begin_section(&mut self, offset: u64, endian: Endianness, shb: pcapng::Shb) {
        let index = u32::try_from(self.sections.len()).unwrap_or(u32::MAX);
        self.sections.push(Section {
            offset,
            endian,
            iface_base: u32::try_from(self.interfaces.len()).unwrap_or(u32::MAX),
            iface_count: 0,
        });
        self.note(Note::Section {
            offset,
            index,
            big_endian: endian == Endianness::Big,
            version: shb.version,
            hardware: shb.hardware,
            os: shb.os,
            application: shb.application,
        });
        for c in shb.comments {
            self.note(Note::SectionComment(c));
        }
    }

    /// The next packet, `Ok(None)` at the end of the file (also after a
    /// cut-off final record, see [`warnings`](Self::warnings), and after an
    /// error). Non-packet blocks met on the way go to
    /// [`take_notes`](Self::take_notes).
    pub fn next_record(&mut self) -> Result<Option<Record<'_>>, CaptureError> {
        let meta = match self.next_meta() {
            Ok(Some(m)) => m,
            Ok(None) => {
                self.end_of_reading();
                return Ok(None);
            }
            Err(e) => {
                self.end_of_reading();
                return Err(e);
            }
        };
        let end = meta.start.saturating_add(meta.caplen as usize);
        let data = self.buf.bytes().get(meta.start..end).unwrap_or(&[]);
        Ok(Some(Record {
            ts: meta.ts,
            caplen: meta.caplen,
            origlen: meta.origlen,
            linktype: meta.linktype,
            iface: meta.iface,
            offset: meta.offset,
            data,
            comments: meta.comments,
            flags: meta.flags,
        }))
    }

    fn next_meta(&mut self) -> Result<Option<Meta>, CaptureError> {
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        if self.done {
            return Ok(None);
        }
        match self.mode {
            Mode::Pcap(h) => self.pcap_next(&h),
            Mode::Pcapng => loop {
                match self.ng_step()? {
                    Step::Packet(m) => return Ok(Some(m)),
                    Step::Other => {}
                    Step::Eof => return Ok(None),
                }
            },
        }
    }

    #[inline]
    fn fill(&mut self, need: usize) -> Result<usize, CaptureError> {
        match self.buf.fill(&mut *self.src, need) {
            Ok(n) => Ok(n),
            Err(source) => Err(CaptureError::Io {
                path: self.name.clone(),
                offset: self.buf.pos().saturating_add(self.buf.avail() as u64),
                source,
            }),
        }
    }

    fn pcap_next(&mut self, h: &PcapHeader) -> Result<Option<Meta>, CaptureError> {
        let hl = h.record_header_len();
        let offset = self.buf.pos();
        let have = self.fill(hl)?;
        if have < hl {
            if have > 0 {
                self.cut_off(offset, self.record_what(None), hl as u64, have);
            }
            return Ok(None);
        }
        let Some(rh) = pcap::parse_record_header(self.buf.peek(hl), h.endian) else {
            return Ok(None);
        };
        if rh.caplen > MAX_RECORD_LEN {
            return Err(self.corrupt(
                offset,
                self.record_what(None),
                format!(
                    "its captured length {} is absurd (more than {} MiB; the snap length is {})",
                    rh.caplen,
                    MAX_RECORD_LEN >> 20,
                    h.snaplen
                ),
            ));
        }
        if h.snaplen != 0 && rh.caplen > h.snaplen && !self.repeat_counted(Repeat::OverSnaplen) {
            let problem = if rh.caplen > h.snaplen.max(SANE_RECORD_LEN) {
                format!(
                    "captured length {} is larger than the snap length {} and than {SANE_RECORD_LEN}: read anyway, but the file may be damaged",
                    rh.caplen, h.snaplen
                )
            } else {
                format!(
                    "captured length {} is larger than the file's snap length {}: read anyway",
                    rh.caplen, h.snaplen
                )
            };
            self.suspicious_repeat(Repeat::OverSnaplen, offset, self.record_what(None), problem);
        }
        let (ts, bad_frac) = rh.timestamp(h.nanos);
        if bad_frac && !self.repeat_counted(Repeat::BadFraction) {
            let unit = if h.nanos { "ns" } else { "µs" };
            self.suspicious_repeat(
                Repeat::BadFraction,
                offset,
                self.record_what(None),
                format!(
                    "timestamp fraction {} {unit} is not below one second; carried into the seconds",
                    rh.ts_frac
                ),
            );
        }
        let total = hl.saturating_add(rh.caplen as usize);
        let have = self.fill(total)?;
        if have < total {
            self.cut_off(offset, self.record_what(None), total as u64, have);
            return Ok(None);
        }
        let start = self.buf.start().saturating_add(hl);
        self.buf.consume(total);
        self.records = self.records.saturating_add(1);
        Ok(Some(Meta {
            start,
            caplen: rh.caplen,
            origlen: rh.origlen,
            ts,
            linktype: h.linktype(),
            iface: 0,
            offset,
            comments: Vec::new(),
            flags: None,
        }))
    }

    /// "record N" (the record about to be read) or a pcapng block name.
    fn record_what(&self, block_type: Option<u32>) -> String {
        describe(
            block_type,
            self.records.saturating_add(1),
            self.blocks.saturating_add(1),
        )
    }

    /// Reads one pcapng block; returns a packet, or `Other` for a block
    /// that was handled (notes, interfaces, sections).
    fn ng_step(&mut self) -> Result<Step, CaptureError> {
        let offset = self.buf.pos();
        let have = self.fill(8)?;
        if have == 0 {
            return Ok(Step::Eof);
        }
        let Some(sec) = self.sections.last().copied() else {
            return Err(self.corrupt(offset, "block".into(), "no Section Header Block before it".into()));
        };
        if have < 8 {
            let t = (have >= 4).then(|| u32_at(self.buf.peek(4), 0, sec.endian));
            let what = if t.is_some() {
                self.record_what(t)
            } else {
                "block header".into()
            };
            self.cut_off(offset, what, 8, have);
            return Ok(Step::Eof);
        }
        let raw = u32_at(self.buf.peek(4), 0, Endianness::Little);
        let (e, btype) = if raw == pcapng::SHB {
            let have = self.fill(12)?;
            if have < 12 {
                self.cut_off(offset, self.record_what(Some(pcapng::SHB)), 12, have);
                return Ok(Step::Eof);
            }
            match pcapng::shb_endian(self.buf.peek(12)) {
                Some(e) => (e, pcapng::SHB),
                None => {
                    let magic = sniff::hex_prefix(self.buf.peek(12).get(8..12).unwrap_or(&[]));
                    return Err(self.corrupt(
                        offset,
                        self.record_what(Some(pcapng::SHB)),
                        format!("its byte-order magic is {magic}, not 1a 2b 3c 4d in either byte order"),
                    ));
                }
            }
        } else {
            (sec.endian, u32_at(self.buf.peek(4), 0, sec.endian))
        };
        let len = u32_at(self.buf.peek(8), 4, e);
        if len < pcapng::MIN_BLOCK || len & 3 != 0 || len > MAX_RECORD_LEN {
            let why = if len < pcapng::MIN_BLOCK {
                "below the 12-byte minimum".to_string()
            } else if len & 3 != 0 {
                "not a multiple of 4".to_string()
            } else {
                format!("absurd (more than {} MiB)", MAX_RECORD_LEN >> 20)
            };
            return Err(self.corrupt(
                offset,
                self.record_what(Some(btype)),
                format!("its block length {len} is {why}"),
            ));
        }
        let ulen = len as usize;
        let have = self.fill(ulen)?;
        if have < ulen {
            self.cut_off(offset, self.record_what(Some(btype)), u64::from(len), have);
            return Ok(Step::Eof);
        }
        let block = self.buf.peek(ulen);
        let trailer = u32_at(block, ulen.saturating_sub(4), e);
        if trailer != len {
            return Err(self.corrupt(
                offset,
                self.record_what(Some(btype)),
                format!("the block length at its end ({trailer}) differs from the one at its start ({len})"),
            ));
        }
        let block_start = self.buf.start();
        if btype == pcapng::EPB {
            // Fast path: the usual packet block, without the general `Parsed`.
            let pb = pcapng::parse_epb(block, e);
            let (rec_no, blk_no) = (self.records.saturating_add(1), self.blocks.saturating_add(1));
            let what = move || describe(Some(btype), rec_no, blk_no);
            self.buf.consume(ulen);
            self.blocks = self.blocks.saturating_add(1);
            return match pb {
                Ok(pb) => self.ng_packet_step(pb, &sec, offset, block_start, what),
                Err(p) => Err(self.corrupt(offset, what(), p)),
            };
        }
        let parsed = Parsed::parse(btype, block, e);
        // Messages are only formatted when needed.
        let (rec_no, blk_no) = (self.records.saturating_add(1), self.blocks.saturating_add(1));
        let what = move || describe(Some(btype), rec_no, blk_no);
        self.buf.consume(ulen);
        self.blocks = self.blocks.saturating_add(1);
        match parsed {
            Parsed::Shb(Err(p)) | Parsed::Idb(Err(p)) | Parsed::Packet(Err(p)) | Parsed::Isb(Err(p)) => {
                Err(self.corrupt(offset, what(), p))
            }
            Parsed::Shb(Ok(shb)) => {
                if !matches!(shb.version, (1, 0) | (1, 2)) {
                    return Err(CaptureError::UnsupportedVersion {
                        path: self.name.clone(),
                        format: "pcapng",
                        major: shb.version.0,
                        minor: shb.version.1,
                    });
                }
                self.begin_section(offset, e, shb);
                Ok(Step::Other)
            }
            Parsed::Idb(Ok(idb)) => {
                let (mut ifc, problems) = *idb;
                let global = u32::try_from(self.interfaces.len()).unwrap_or(u32::MAX);
                ifc.section = u32::try_from(self.sections.len().saturating_sub(1)).unwrap_or(u32::MAX);
                ifc.local_id = sec.iface_count;
                let comments = ifc.comments.clone();
                self.interfaces.push(ifc);
                if let Some(s) = self.sections.last_mut() {
                    s.iface_count = s.iface_count.saturating_add(1);
                }
                self.note(Note::Interface { offset, iface: global });
                for text in comments {
                    self.note(Note::Comment {
                        offset,
                        block: block_name(btype),
                        text,
                    });
                }
                for p in problems {
                    self.suspicious(offset, what(), p);
                }
                Ok(Step::Other)
            }
            Parsed::Packet(Ok(pb)) => self.ng_packet_step(pb, &sec, offset, block_start, what),
            Parsed::Nrb(nrb) => {
                self.note(Note::NameResolution(nrb.entries));
                for text in nrb.comments {
                    self.note(Note::Comment {
                        offset,
                        block: block_name(btype),
                        text,
                    });
                }
                if let Some(p) = nrb.problem {
                    self.suspicious(offset, what(), p);
                }
                Ok(Step::Other)
            }
            Parsed::Isb(Ok(isb)) => {
                if isb.local_iface >= sec.iface_count {
                    self.suspicious(
                        offset,
                        what(),
                        format!(
                            "statistics of interface {}, but the section defines {}: ignored",
                            isb.local_iface, sec.iface_count
                        ),
                    );
                    return Ok(Step::Other);
                }
                let global = sec.iface_base.saturating_add(isb.local_iface);
                let Some(ifc) = self.interfaces.get(global as usize) else {
                    return Ok(Step::Other);
                };
                let note = Note::InterfaceStatistics {
                    offset,
                    iface: global,
                    ts: ifc.timestamp(isb.ticks),
                    start: isb.start.map(|t| ifc.timestamp(t)),
                    end: isb.end.map(|t| ifc.timestamp(t)),
                    ifrecv: isb.ifrecv,
                    ifdrop: isb.ifdrop,
                    filter_accept: isb.filter_accept,
                    os_drop: isb.os_drop,
                    usr_deliv: isb.usr_deliv,
                };
                self.note(note);
                for text in isb.comments {
                    self.note(Note::Comment {
                        offset,
                        block: block_name(btype),
                        text,
                    });
                }
                if let Some(p) = isb.problem {
                    self.suspicious(offset, what(), p);
                }
                Ok(Step::Other)
            }
            Parsed::Skip => {
                self.skipped = self.skipped.saturating_add(1);
                self.note(Note::Skipped {
                    offset,
                    block_type: btype,
                    name: block_name(btype),
                    len,
                });
                Ok(Step::Other)
            }
        }
    }

    /// Turns a packet block into a record (its interface must exist).
    #[inline]
    fn ng_packet_step(
        &mut self,
        pb: PacketBlock,
        sec: &Section,
        offset: u64,
        block_start: usize,
        what: impl Fn() -> String,
    ) -> Result<Step, CaptureError> {
        let (iface, linktype, ts, caplen) =
            ng_packet(&self.interfaces, sec, &pb, self.last_ts).map_err(|p| self.corrupt(offset, what(), p))?;
        if let Some(p) = pb.problem {
            self.suspicious(offset, what(), p);
        }
        self.last_ts = ts;
        self.records = self.records.saturating_add(1);
        Ok(Step::Packet(Meta {
            start: block_start.saturating_add(pb.data_off),
            caplen,
            origlen: pb.origlen,
            ts,
            linktype,
            iface,
            offset,
            comments: pb.comments,
            flags: pb.flags,
        }))
    }

    fn end_of_reading(&mut self) {
        self.done = true;
        for (idx, n) in self.repeats.iter_mut() {
            if let (Some(i), count @ 1..) = (*idx, *n) {
                if let Some(CaptureError::Suspicious { problem, .. }) = self.warnings.get_mut(i) {
                    let s = if count == 1 { "" } else { "s" };
                    problem.push_str(&format!(" ({count} later record{s} too)"));
                }
            }
            *n = 0;
        }
    }

    /// For warnings listed once: true (and counted) if this class was
    /// already listed, so the caller does not even format the message.
    #[inline]
    fn repeat_counted(&mut self, class: Repeat) -> bool {
        match self.repeats.get_mut(class as usize) {
            Some((Some(_), n)) => {
                *n = n.saturating_add(1);
                true
            }
            _ => false,
        }
    }

    /// Lists the first warning of a class (see [`repeat_counted`](Self::repeat_counted)).
    fn suspicious_repeat(&mut self, class: Repeat, offset: u64, what: String, problem: String) {
        if let Some((first @ None, _)) = self.repeats.get_mut(class as usize) {
            *first = Some(self.warnings.len());
            self.suspicious(offset, what, problem);
        }
    }

    fn note(&mut self, n: Note) {
        if self.notes.len() < MAX_PENDING_NOTES {
            self.notes.push(n);
        } else {
            self.notes_dropped = self.notes_dropped.saturating_add(1);
        }
    }

    fn warn(&mut self, w: CaptureError) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(w);
        } else if let Some(CaptureError::WarningsSuppressed { count, .. }) = self.warnings.last_mut() {
            *count = count.saturating_add(1);
        } else {
            self.warnings.push(CaptureError::WarningsSuppressed {
                path: self.name.clone(),
                count: 1,
            });
        }
    }

    fn cut_off(&mut self, offset: u64, what: String, need: u64, have: usize) {
        let w = CaptureError::CutOff {
            path: self.name.clone(),
            what,
            offset,
            need,
            have: have as u64,
            complete: self.records,
        };
        self.warn(w);
    }

    fn suspicious(&mut self, offset: u64, what: String, problem: String) {
        let w = CaptureError::Suspicious {
            path: self.name.clone(),
            what,
            offset,
            problem,
        };
        self.warn(w);
    }

    fn corrupt(&self, offset: u64, what: String, problem: String) -> CaptureError {
        CaptureError::Corrupt {
            path: self.name.clone(),
            what,
            offset,
            problem,
            complete: self.records,
        }
    }

    /// Reads again the record whose header or block starts at `offset` (a
    /// [`Record::offset`] of a record this reader returned), without
    /// disturbing the streaming walk. Only for regular files opened with
    /// [`open`](Self::open). Records of pcapng Simple Packet Blocks, which
    /// have no timestamp of their own, come back with time 0 here.
    pub fn read_at(&mut self, offset: u64) -> Result<Record<'_>, CaptureError> {
        let Some(path) = &self.path else {
            return Err(CaptureError::NotSeekable {
                path: self.name.clone(),
            });
        };
        if self.at.is_none() {
            let file = File::open(path).map_err(|source| CaptureError::Open {
                path: self.name.clone(),
                source,
            })?;
            self.at = Some(AtState { file, buf: Vec::new() });
        }
        let name = &self.name;
        let Some(at) = self.at.as_mut() else {
            return Err(CaptureError::NotSeekable { path: name.clone() });
        };
        let bad = |problem: String| CaptureError::BadOffset {
            path: name.clone(),
            offset,
            problem,
        };
        let read = |at: &mut AtState, len: usize| -> Result<(), CaptureError> {
            read_exact_at(&mut at.file, offset, &mut at.buf, len).map_err(|e| {
                if e.kind() == io::ErrorKind::UnexpectedEof {
                    bad(format!("the file ends before the {len} bytes there"))
                } else {
                    CaptureError::Io {
                        path: name.clone(),
                        offset,
                        source: e,
                    }
                }
            })
        };
        let meta = match self.mode {
            Mode::Pcap(h) => {
                if offset < pcap::FILE_HEADER_LEN as u64 {
                    return Err(bad("it is inside the file header".into()));
                }
                let hl = h.record_header_len();
                read(at, hl)?;
                let Some(rh) = pcap::parse_record_header(&at.buf, h.endian) else {
                    return Err(bad("short record header".into()));
                };
                if rh.caplen > MAX_RECORD_LEN {
                    return Err(bad(format!(
                        "the header there has an absurd captured length {}",
                        rh.caplen
                    )));
                }
                read(at, hl.saturating_add(rh.caplen as usize))?;
                Meta {
                    start: hl,
                    caplen: rh.caplen,
                    origlen: rh.origlen,
                    ts: rh.timestamp(h.nanos).0,
                    linktype: h.linktype(),
                    iface: 0,
                    offset,
                    comments: Vec::new(),
                    flags: None,
                }
            }
            Mode::Pcapng => {
                let Some(sec) = self.sections.iter().rev().find(|s| s.offset < offset).copied() else {
                    return Err(bad("it is not after a section header read so far".into()));
                };
                read(at, 8)?;
                let btype = u32_at(&at.buf, 0, sec.endian);
                let len = u32_at(&at.buf, 4, sec.endian);
                if !pcapng::is_packet_block(btype) {
                    return Err(bad(format!(
                        "the block there is a {} (type 0x{btype:08x})",
                        block_name(btype)
                    )));
                }
                if len < pcapng::MIN_BLOCK || len & 3 != 0 || len > MAX_RECORD_LEN {
                    return Err(bad(format!("the block there has an impossible length {len}")));
                }
                read(at, len as usize)?;
                if u32_at(&at.buf, (len as usize).saturating_sub(4), sec.endian) != len {
                    return Err(bad("the block's trailing length does not match".into()));
                }
                let pb = match Parsed::parse(btype, &at.buf, sec.endian) {
                    Parsed::Packet(r) => r.map_err(&bad)?,
                    _ => return Err(bad("not a packet block".into())),
                };
                let (iface, linktype, ts, caplen) =
                    ng_packet(&self.interfaces, &sec, &pb, Timestamp::ZERO).map_err(&bad)?;
                Meta {
                    start: pb.data_off,
                    caplen,
                    origlen: pb.origlen,
                    ts,
                    linktype,
                    iface,
                    offset,
                    comments: pb.comments,
                    flags: pb.flags,
                }
            }
        };
        let end = meta.start.saturating_add(meta.caplen as usize);
        let data = at.buf.get(meta.start..end).unwrap_or(&[]);
        Ok(Record {
            ts: meta.ts,
            caplen: meta.caplen,
            origlen: meta.origlen,
            linktype: meta.linktype,
            iface: meta.iface,
            offset,
            data,
            comments: meta.comments,
            flags: meta.flags,
        })
    }

    /// The file's format (known after `open`).
    pub fn format(&self) -> FileFormat {
        self.format
    }

    /// True for the modified ("Kuznetzov", magic a1b2cd34) pcap variant.
    pub fn is_modified_pcap(&self) -> bool {
        matches!(self.mode, Mode::Pcap(h) if h.modified)
    }

    /// Interfaces defined so far (one for pcap; for pcapng those of all
    /// sections read so far, in file order; the ones right after the first
    /// section header are known when `open` returns).
    pub fn interfaces(&self) -> &[Interface] {
        &self.interfaces
    }

    /// Non-packet blocks met since the last call.
    pub fn take_notes(&mut self) -> Vec<Note> {
        std::mem::take(&mut self.notes)
    }

    /// Notes dropped because more than 100,000 piled up without `take_notes`.
    pub fn notes_dropped(&self) -> u64 {
        self.notes_dropped
    }

    /// Bytes read from the source but not parsed yet: 0 means the next
    /// record must be read first (a growing file may make that wait).
    pub fn buffered(&self) -> usize {
        self.buf.avail()
    }

    /// File offset up to which the file has been parsed (for progress).
    pub fn bytes_read(&self) -> u64 {
        self.buf.pos()
    }

    /// Length of the file, if it is a regular file.
    pub fn file_len(&self) -> Option<u64> {
        self.file_len
    }

    /// Non-fatal problems met so far (a cut-off final record, records longer
    /// than the snap length, bad timestamps, option problems...).
    pub fn warnings(&self) -> &[CaptureError] {
        &self.warnings
    }

    /// Packets returned so far.
    pub fn records_read(&self) -> u64 {
        self.records
    }

    /// pcapng blocks not interpreted (Decryption Secrets, custom, unknown).
    pub fn skipped_blocks(&self) -> u64 {
        self.skipped
    }

    /// The name used in messages (the path, or `<stdin>`).
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// "record N (block name)" for packet blocks and pcap records, "block name
/// (block M)" for other pcapng blocks.
fn describe(block_type: Option<u32>, rec_no: u64, blk_no: u64) -> String {
    match block_type {
        Some(t) if !pcapng::is_packet_block(t) => format!("{} (block {blk_no})", block_name(t)),
        Some(t) => format!("record {rec_no} ({})", block_name(t)),
        None => format!("record {rec_no}"),
    }
}

/// A pcapng block, parsed (pure, from the block bytes).
enum Parsed {
    Shb(Result<pcapng::Shb, String>),
    Idb(Result<Box<(Interface, Vec<String>)>, String>),
    Packet(Result<PacketBlock, String>),
    Nrb(pcapng::Nrb),
    Isb(Result<pcapng::Isb, String>),
    Skip,
}

impl Parsed {
    #[inline]
    fn parse(btype: u32, block: &[u8], e: Endianness) -> Parsed {
        match btype {
            pcapng::EPB => Parsed::Packet(pcapng::parse_epb(block, e)),
            pcapng::SPB => Parsed::Packet(pcapng::parse_spb(block, e)),
            pcapng::PB => Parsed::Packet(pcapng::parse_pb(block, e)),
            pcapng::SHB => Parsed::Shb(pcapng::parse_shb(block, e)),
            pcapng::IDB => Parsed::Idb(pcapng::parse_idb(block, e).map(Box::new)),
            pcapng::NRB => Parsed::Nrb(pcapng::parse_nrb(block, e)),
            pcapng::ISB => Parsed::Isb(pcapng::parse_isb(block, e)),
            _ => Parsed::Skip,
        }
    }
}

/// Resolves a packet block's interface: (global iface, linktype, timestamp,
/// captured length). SPBs take `prev_ts` and the interface's snap length.
#[inline]
fn ng_packet(
    interfaces: &[Interface],
    sec: &Section,
    pb: &PacketBlock,
    prev_ts: Timestamp,
) -> Result<(u32, u32, Timestamp, u32), String> {
    if pb.local_iface >= sec.iface_count {
        return Err(if sec.iface_count == 0 {
            format!(
                "it refers to interface {}, but no Interface Description Block precedes it in its section",
                pb.local_iface
            )
        } else {
            format!(
                "it refers to interface {}, but its section defines only {} (ids 0 to {})",
                pb.local_iface,
                sec.iface_count,
                sec.iface_count.saturating_sub(1)
            )
        });
    }
    let global = sec.iface_base.saturating_add(pb.local_iface);
    let ifc = interfaces
        .get(global as usize)
        .ok_or_else(|| format!("interface {global} is missing"))?;
    let (ts, caplen) = match pb.ticks {
        Some(t) => (ifc.timestamp(t), pb.caplen),
        None if ifc.snaplen != 0 => (prev_ts, pb.caplen.min(ifc.snaplen)),
        None => (prev_ts, pb.caplen),
    };
    Ok((global, ifc.linktype, ts, caplen))
}

fn read_exact_at(f: &mut File, offset: u64, buf: &mut Vec<u8>, len: usize) -> io::Result<()> {
    buf.clear();
    buf.resize(len, 0);
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)
}
