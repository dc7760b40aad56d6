//! Offline capture files: a streaming reader of pcap and pcapng written with
//! nom, and a writer of both formats.
//!
//! The reader never loads a whole file: it walks records through one reused
//! buffer (1 MiB, grown only for a record larger than that, bounded by
//! [`MAX_RECORD_LEN`]) filled with large `read()` calls, and hands out
//! [`Record`]s that borrow the buffer. Bad input gives a [`CaptureError`]
//! whose message names the problem and what to do, never a panic.
//!
//! ```no_run
//! use wirelens::capture::FileReader;
//! let mut r = FileReader::open(std::path::Path::new("trace.pcapng"))?;
//! while let Some(rec) = r.next_record()? {
//!     println!("{} {} bytes on link type {}", rec.ts, rec.caplen, rec.linktype);
//! }
//! for w in r.warnings() {
//!     eprintln!("warning: {w}");
//! }
//! # Ok::<(), wirelens::capture::CaptureError>(())
//! ```

#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable
)]
#![cfg_attr(
    test,
    allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod buf;
mod error;
mod file;
pub mod live;
mod pcap;
mod pcapng;
mod sniff;
#[cfg(test)]
mod tests;
pub mod write;

use std::fmt;
use std::net::IpAddr;

pub use error::CaptureError;
pub use file::FileReader;
pub use write::{PcapWriter, WriteFormat};

/// Largest record (pcap) or block (pcapng) accepted: anything longer is
/// treated as corruption rather than allocated.
pub const MAX_RECORD_LEN: u32 = 256 << 20;

/// Records longer than the file's snap length are accepted (with a warning)
/// up to `max(snaplen, SANE_RECORD_LEN)`; beyond that they still are, with a
/// stronger warning, up to [`MAX_RECORD_LEN`].
pub const SANE_RECORD_LEN: u32 = 262_144;

/// A point in time: seconds since the Unix epoch plus nanoseconds
/// (always `< 1_000_000_000`, also for negative times: -0.5 s is
/// `{ secs: -1, nanos: 500_000_000 }`), so the derived order is the time order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    pub secs: i64,
    pub nanos: u32,
}

impl Timestamp {
    pub const ZERO: Timestamp = Timestamp { secs: 0, nanos: 0 };

    /// Builds a timestamp, carrying whole seconds out of `nanos`.
    pub fn new(secs: i64, nanos: u32) -> Timestamp {
        let carry = i64::from(nanos / 1_000_000_000);
        Timestamp {
            secs: secs.saturating_add(carry),
            nanos: nanos % 1_000_000_000,
        }
    }

    /// Nanoseconds since the epoch.
    pub fn as_nanos(&self) -> i128 {
        i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos)
    }

    /// Inverse of [`as_nanos`](Self::as_nanos); saturates outside the `i64` seconds range.
    pub fn from_nanos(n: i128) -> Timestamp {
        let secs = n.div_euclid(1_000_000_000);
        let nanos = n.rem_euclid(1_000_000_000);
        let secs = i64::try_from(secs).unwrap_or(if secs < 0 { i64::MIN } else { i64::MAX });
        Timestamp {
            secs,
            nanos: u32::try_from(nanos).unwrap_or(0),
        }
    }
}

impl fmt::Display for Timestamp {
    /// `seconds.nanoseconds` since the epoch, like `frame.time_epoch`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.as_nanos();
        let sign = if n < 0 { "-" } else { "" };
        let a = n.unsigned_abs();
        write!(f, "{sign}{}.{:09}", a / 1_000_000_000, a % 1_000_000_000)
    }
}

/// The kind of file being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    /// Classic libpcap format. `nanos`: nanosecond timestamps (magic
    /// a1b23c4d); `version`: (major, minor). The modified ("Kuznetzov",
    /// magic a1b2cd34) variant shows as `Pcap` too: see
    /// [`FileReader::is_modified_pcap`].
    Pcap {
        nanos: bool,
        big_endian: bool,
        version: (u16, u16),
    },
    /// pcapng; each section carries its own byte order (see [`Note::Section`]).
    Pcapng,
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileFormat::Pcap {
                nanos,
                big_endian,
                version,
            } => write!(
                f,
                "pcap {}.{} ({}, {})",
                version.0,
                version.1,
                if *nanos { "nanosecond" } else { "microsecond" },
                if *big_endian { "big-endian" } else { "little-endian" }
            ),
            FileFormat::Pcapng => f.write_str("pcapng"),
        }
    }
}

/// A capture interface: the one of a pcap file, or one Interface
/// Description Block of a pcapng file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// LINKTYPE_ value (FCS bits of pcap headers masked off).
    pub linktype: u32,
    /// Snap length; 0 means "no limit".
    pub snaplen: u32,
    pub name: Option<String>,
    pub description: Option<String>,
    pub hardware: Option<String>,
    pub os: Option<String>,
    /// Interface speed in bits per second (if_speed).
    pub speed: Option<u64>,
    /// Length of the frame check sequence at the end of each packet, if
    /// known (pcap header FCS bits, pcapng if_fcslen).
    pub fcs_len: Option<u8>,
    /// Raw if_tsresol byte: bit 7 clear = 10^-n s, set = 2^-n s
    /// (6 for pcap microseconds and pcapng's default, 9 for nanoseconds).
    pub tsresol: u8,
    /// Timestamp ticks per second, derived from `tsresol`.
    pub ticks_per_sec: u64,
    /// Seconds added to every timestamp (if_tsoffset).
    pub tsoffset: i64,
    /// Index of the pcapng section (0 for pcap) the interface belongs to.
    pub section: u32,
    /// Interface id inside its section (what pcapng blocks refer to).
    pub local_id: u32,
    pub comments: Vec<String>,
}

impl Interface {
    /// A bare interface with microsecond timestamps.
    pub fn new(linktype: u32, snaplen: u32) -> Interface {
        Interface {
            linktype,
            snaplen,
            name: None,
            description: None,
            hardware: None,
            os: None,
            speed: None,
            fcs_len: None,
            tsresol: 6,
            ticks_per_sec: 1_000_000,
            tsoffset: 0,
            section: 0,
            local_id: 0,
            comments: Vec::new(),
        }
    }

    /// Nanoseconds per timestamp tick (fractional for resolutions finer than 1 ns).
    pub fn nanos_per_tick(&self) -> f64 {
        1e9 / self.ticks_per_sec.max(1) as f64
    }

    /// Converts a raw pcapng timestamp (in ticks) to a [`Timestamp`], adding `tsoffset`.
    #[inline]
    pub fn timestamp(&self, ticks: u64) -> Timestamp {
        let tps = self.ticks_per_sec.max(1);
        // The usual resolutions divide 10^9: no 128-bit division.
        if tps <= 1_000_000_000 && 1_000_000_000 % tps == 0 {
            let secs = i64::try_from(ticks / tps).unwrap_or(i64::MAX);
            let nanos = u32::try_from((ticks % tps) * (1_000_000_000 / tps)).unwrap_or(0);
            return Timestamp {
                secs: secs.saturating_add(self.tsoffset),
                nanos,
            };
        }
        let secs = i64::try_from(ticks / tps).unwrap_or(i64::MAX);
        let rem = u128::from(ticks % tps);
        let nanos = u32::try_from(rem * 1_000_000_000 / u128::from(tps)).unwrap_or(0);
        Timestamp {
            secs: secs.saturating_add(self.tsoffset),
            nanos,
        }
    }
}

/// One captured packet. `data` borrows the reader's buffer: it is valid until
/// the next call on the reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    pub ts: Timestamp,
    /// Captured length (= `data.len()`).
    pub caplen: u32,
    /// Length of the packet on the wire.
    pub origlen: u32,
    /// LINKTYPE_ of the packet's interface.
    pub linktype: u32,
    /// Index into [`FileReader::interfaces`] (global across pcapng sections).
    pub iface: u32,
    /// File offset of the record header (pcap) or block (pcapng): give it
    /// back to [`FileReader::read_at`] to read this record again.
    pub offset: u64,
    pub data: &'a [u8],
    /// pcapng opt_comment values of the packet block.
    pub comments: Vec<String>,
    /// pcapng epb_flags / pack_flags (direction, reception type, FCS length, errors).
    pub flags: Option<u32>,
}

/// A non-packet block met while reading (pcapng), "skipped or shown" by the
/// caller. Collect them with [`FileReader::take_notes`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// A Section Header Block starts a new section (a new byte order, and
    /// interface ids starting from 0 again).
    Section {
        offset: u64,
        index: u32,
        big_endian: bool,
        version: (u16, u16),
        hardware: Option<String>,
        os: Option<String>,
        application: Option<String>,
    },
    /// A comment of the Section Header Block.
    SectionComment(String),
    /// An Interface Description Block added `interfaces()[iface]`.
    Interface { offset: u64, iface: u32 },
    /// A comment of a non-packet block other than a section header (IDB,
    /// NRB, ISB): `block` is the block's name.
    Comment {
        offset: u64,
        block: &'static str,
        text: String,
    },
    /// The records of a Name Resolution Block: each address with one name
    /// (an address with several names appears several times).
    NameResolution(Vec<(IpAddr, String)>),
    /// An Interface Statistics Block. `iface` indexes `interfaces()`.
    InterfaceStatistics {
        offset: u64,
        iface: u32,
        ts: Timestamp,
        start: Option<Timestamp>,
        end: Option<Timestamp>,
        ifrecv: Option<u64>,
        ifdrop: Option<u64>,
        filter_accept: Option<u64>,
        os_drop: Option<u64>,
        usr_deliv: Option<u64>,
    },
    /// A block that is not interpreted (Decryption Secrets, custom, systemd
    /// journal, unknown types): skipped, and counted in
    /// [`FileReader::skipped_blocks`].
    Skipped {
        offset: u64,
        block_type: u32,
        name: &'static str,
        len: u32,
    },
}
