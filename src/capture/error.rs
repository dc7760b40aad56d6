//! Errors and warnings of the capture reader and writer. Each message names
//! the file, the problem, and what to do about it.

use std::fmt;
use std::io;

/// What went wrong reading or writing a capture file. Used both for fatal
/// errors (returned) and for warnings (kept in [`super::FileReader::warnings`]).
#[derive(Debug)]
pub enum CaptureError {
    /// The file could not be opened (missing, permission denied, a directory...).
    Open { path: String, source: io::Error },
    /// Reading failed in the middle of the file.
    Io {
        path: String,
        offset: u64,
        source: io::Error,
    },
    /// The file has no bytes at all.
    Empty { path: String },
    /// The first bytes are not a pcap or pcapng header. `looks_like` says
    /// what they look like, `hint` what to do.
    NotCapture {
        path: String,
        looks_like: String,
        hint: String,
        first_bytes: String,
    },
    /// The file ends inside its file header (pcap) or first section header (pcapng).
    TruncatedHeader {
        path: String,
        format: &'static str,
        need: u64,
        have: u64,
    },
    /// A version this reader does not know (pcap major != 2, pcapng other than 1.0/1.2).
    UnsupportedVersion {
        path: String,
        format: &'static str,
        major: u16,
        minor: u16,
    },
    /// The file header is not usable for another reason.
    BadHeader { path: String, problem: String },
    /// The file ends inside a record or block: every complete record before
    /// it was read (kept as a warning; reading then ends cleanly).
    CutOff {
        path: String,
        what: String,
        offset: u64,
        need: u64,
        have: u64,
        complete: u64,
    },
    /// A record or block makes no sense (absurd length, trailer mismatch,
    /// undefined interface...): reading stops there.
    Corrupt {
        path: String,
        what: String,
        offset: u64,
        problem: String,
        complete: u64,
    },
    /// Something odd that does not stop reading (a record longer than the
    /// snap length, an option overrunning its block, a bad timestamp...).
    Suspicious {
        path: String,
        what: String,
        offset: u64,
        problem: String,
    },
    /// More warnings than are kept were met; the rest were counted only.
    WarningsSuppressed { path: String, count: u64 },
    /// `read_at` needs a file it can seek in.
    NotSeekable { path: String },
    /// `read_at` was given an offset that is not the start of a record.
    BadOffset { path: String, offset: u64, problem: String },
    /// Writing a capture failed.
    Write { path: String, source: io::Error },
    /// A packet cannot be represented in the chosen output format.
    Unwritable { path: String, problem: String },
}

impl CaptureError {
    /// True for problems that did not stop reading (the kinds found in
    /// `warnings()`).
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            CaptureError::CutOff { .. } | CaptureError::Suspicious { .. } | CaptureError::WarningsSuppressed { .. }
        )
    }
}

fn plural(n: u64, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use CaptureError::*;
        match self {
            Open { path, source } => {
                let (what, fix) = match source.kind() {
                    io::ErrorKind::NotFound => ("no such file", "check the path and the spelling"),
                    io::ErrorKind::PermissionDenied => (
                        "permission denied",
                        "make the file readable for this user (chmod/chown) or run with the rights to read it",
                    ),
                    io::ErrorKind::IsADirectory => ("it is a directory", "give the path of a capture file inside it"),
                    _ => ("", "check the path"),
                };
                if what.is_empty() {
                    write!(f, "cannot open '{path}': {source}; {fix}")
                } else {
                    write!(f, "cannot open '{path}': {what}; {fix}")
                }
            }
            Io { path, offset, source } => write!(
                f,
                "'{path}': read error at offset {offset}: {source}; the records before it were read (is the disk or the pipe still there?)"
            ),
            Empty { path } => write!(
                f,
                "'{path}': file is empty (0 bytes): nothing was captured into it; check that the capture was written (e.g. tcpdump -w stopped before any packet)"
            ),
            NotCapture { path, looks_like, hint, first_bytes } => write!(
                f,
                "'{path}' is not a pcap or pcapng capture file: it looks like {looks_like} (first bytes: {first_bytes}); {hint}"
            ),
            TruncatedHeader { path, format, need, have } => write!(
                f,
                "'{path}': the {format} file header is cut off: it needs {need} bytes, the file has {have}; the file was probably truncated while being copied or written: get a complete copy"
            ),
            UnsupportedVersion { path, format, major, minor } => {
                let supported = if *format == "pcap" { "2.x" } else { "1.0 (and 1.2)" };
                write!(
                    f,
                    "'{path}': unsupported {format} version {major}.{minor} (this reader knows version {supported}); the file is damaged or from an unknown writer: convert it with `editcap -F pcapng IN OUT` if Wireshark can read it"
                )
            }
            BadHeader { path, problem } => write!(
                f,
                "'{path}': bad file header: {problem}; the file is damaged or was not written by a capture tool (if Wireshark opens it, convert it with `editcap -F pcapng IN OUT`)"
            ),
            CutOff { path, what, offset, need, have, complete } => {
                let before = match complete {
                    0 => "no complete record came before it".to_string(),
                    1 => "the 1 complete record before it was read".to_string(),
                    n => format!("the {n} complete records before it were read"),
                };
                write!(
                    f,
                    "'{path}': {what} at offset {offset} is cut off: needs {need} bytes, file has {have}; {before} (the capture was probably interrupted while being written; `editcap IN OUT` rewrites the complete part)"
                )
            }
            Corrupt { path, what, offset, problem, complete } => {
                let keep = if *complete == 0 {
                    String::new()
                } else {
                    format!(", or keep the good part with `editcap -r IN OUT 1-{complete}`")
                };
                write!(
                    f,
                    "'{path}': {what} at offset {offset} is corrupt: {problem}; reading stopped there after {} (the rest of the file cannot be trusted: try a repair tool such as pcapfix{keep})",
                    plural(*complete, "record")
                )
            }
            Suspicious { path, what, offset, problem } => write!(f, "'{path}': {what} at offset {offset}: {problem}"),
            WarningsSuppressed { path, count } => {
                write!(f, "'{path}': {} more not shown", plural(*count, "warning"))
            }
            NotSeekable { path } => write!(
                f,
                "'{path}' cannot be read at random offsets (it is a pipe or standard input); save it to a file first to browse it"
            ),
            BadOffset { path, offset, problem } => write!(
                f,
                "'{path}': no record at offset {offset}: {problem} (use an offset from Record::offset of this same file)"
            ),
            Write { path, source } => {
                let fix = match source.kind() {
                    io::ErrorKind::PermissionDenied => "choose a directory you can write to",
                    io::ErrorKind::NotFound => "create the directory first",
                    _ => "check the free disk space and the path",
                };
                write!(f, "cannot write '{path}': {source}; {fix}")
            }
            Unwritable { path, problem } => write!(f, "cannot write to '{path}': {problem}"),
        }
    }
}

impl std::error::Error for CaptureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CaptureError::Open { source, .. }
            | CaptureError::Io { source, .. }
            | CaptureError::Write { source, .. } => Some(source),
            _ => None,
        }
    }
}
