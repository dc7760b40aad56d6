//! The frame index behind the TUI: one small [`Row`] per frame (where its
//! bytes are, when, how long, its flow, the list's text columns, the TCP
//! states after it, an anomaly class), the flows' summaries, and the frames
//! of every flow. Trees are not kept: [`Replayer`] builds a frame's tree when
//! it is selected by running that frame's flow again through a fresh engine,
//! the way Wireshark's second pass re-dissects a frame.
//!
//! The index is filled by [`spawn_indexer`] on its own thread while the UI
//! runs; a display filter is applied by [`spawn_filter`], also on its own
//! thread. Both read the capture file themselves, so the UI never waits.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use wirelens_dissectors::frame::{build_tree, columns};
use wirelens_dissectors::tree::Tree;

use crate::capture::FileReader;
use crate::engine::{Config, Engine, Processed};
use crate::export::FlowSummary;
use crate::filter::Expr;
use crate::tcp::state::State;

/// `Row::group` of a frame replayed on its own (no flow, no ARP/ICMP pairing).
pub const ALONE: u32 = u32::MAX;

/// Anomaly classes of a row (bits), for colours and the legend.
pub mod class {
    pub const RETRANS: u8 = 1;
    pub const RST: u8 = 2;
    pub const ZERO_WINDOW: u8 = 4;
    pub const ERROR: u8 = 8;
    /// Dup ACK, out-of-order, previous segment lost, ACKed unseen.
    pub const WARN: u8 = 16;
    /// SYN or FIN: handshake and teardown.
    pub const SYNFIN: u8 = 32;
}

/// What the packet list needs of one frame (48 bytes + its Info text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    /// Offset of the record in the file (for [`FileReader::read_at`]).
    pub offset: u64,
    pub ts_ns: i64,
    pub origlen: u32,
    /// Index into [`Store::groups`], or [`ALONE`].
    pub group: u32,
    /// Interned Source / Destination / Protocol column texts.
    pub src: u32,
    pub dst: u32,
    pub proto: u32,
    /// Start of the Info text in the store's text arena, and its length.
    pub info: u32,
    pub info_len: u16,
    /// TCP client and server states after this frame (`State as u8 + 1`; 0: none).
    pub states: [u8; 2],
    pub class: u8,
}

const STATES: [State; 11] = [
    State::Closed,
    State::Listen,
    State::SynSent,
    State::SynReceived,
    State::Established,
    State::FinWait1,
    State::FinWait2,
    State::CloseWait,
    State::Closing,
    State::LastAck,
    State::TimeWait,
];

fn state_code(s: State) -> u8 {
    STATES.iter().position(|x| *x == s).map_or(0, |i| i as u8 + 1)
}

/// The state a [`Row::states`] code stands for.
pub fn state_of(code: u8) -> Option<State> {
    STATES.get(usize::from(code).checked_sub(1)?).copied()
}

/// The frames that must be replayed together to rebuild any one of them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum GroupKind {
    Tcp(u64),
    Udp(u64),
    /// All ARP frames (replies are paired with requests).
    Arp,
    /// All ICMP frames (echo replies are paired with requests).
    Icmp,
}

#[derive(Clone, Debug)]
pub struct Group {
    pub kind: GroupKind,
    /// Frame indexes (0-based), ascending. A flow's group also holds the IP
    /// fragments of its reassembled datagrams.
    pub frames: Vec<u32>,
}

/// How far indexing has gone.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    pub bytes_read: u64,
    pub file_len: Option<u64>,
    pub done: bool,
    /// Reading stopped on this error; the frames before it are indexed.
    pub error: Option<String>,
    pub warnings: Vec<String>,
    pub started: Option<Instant>,
    pub finished: Option<Instant>,
}

/// Live capture counters shown in the status bar (filled by `sniff`).
#[derive(Clone, Debug, Default)]
pub struct LiveCounters {
    pub packets: u64,
    pub bytes: u64,
    pub kernel_drops: u64,
    pub iface_drops: u64,
    pub queue_drops: u64,
    /// Packets/s and bytes/s over the last second.
    pub pps: f64,
    pub bps: f64,
    pub running: bool,
}

/// What the flow list and the ladder show of a flow (the full summary, with
/// its HTTP transactions and DNS queries, is written by an export, which
/// runs the engine again: a few hundred bytes per flow stay in memory).
#[derive(Clone, Debug, PartialEq)]
pub struct FlowRow {
    pub proto: &'static str,
    pub id: u64,
    pub client: Box<str>,
    pub server: Box<str>,
    pub app: Option<Box<str>>,
    pub packets: u64,
    pub bytes: u64,
    pub first_ts: f64,
    pub duration: f64,
    pub conn_state: &'static str,
    pub history: Box<str>,
    pub client_state: Option<&'static str>,
    pub server_state: Option<&'static str>,
    /// TIME-WAIT: side, since, until (capture time, seconds).
    pub time_wait: Option<(&'static str, f64, f64)>,
    pub anomalies: u64,
    /// Still open (live): summarised as it stands.
    pub open: bool,
}

impl FlowRow {
    pub fn of(s: &FlowSummary) -> FlowRow {
        FlowRow {
            proto: s.proto,
            id: s.id,
            client: s.client.as_str().into(),
            server: s.server.as_str().into(),
            app: s.app.as_deref().map(Into::into),
            packets: s.packets.client + s.packets.server,
            bytes: s.bytes.client + s.bytes.server,
            first_ts: s.first_ts,
            duration: s.duration,
            conn_state: s.conn_state,
            history: s.history.as_str().into(),
            client_state: s.client_state,
            server_state: s.server_state,
            time_wait: s.time_wait.as_ref().map(|t| (t.side, t.since, t.until)),
            anomalies: s.anomalies.values().sum(),
            open: s.end == "open",
        }
    }
}

/// Info texts, in chunks that never move or grow past their size (no
/// doubling slack): a text is addressed by its offset across chunks.
#[derive(Debug, Default)]
struct TextArena {
    chunks: Vec<String>,
}

const TEXT_CHUNK: usize = 1 << 20;

impl TextArena {
    /// Stores `s` (at most `TEXT_CHUNK` bytes); None past 4 GiB.
    fn push(&mut self, s: &str) -> Option<u32> {
        let fits = self.chunks.last().is_some_and(|c| c.len() + s.len() <= TEXT_CHUNK);
        if !fits {
            self.chunks.push(String::with_capacity(TEXT_CHUNK));
        }
        let n = self.chunks.len() - 1;
        let c = self.chunks.last_mut()?;
        let at = n * TEXT_CHUNK + c.len();
        c.push_str(s);
        u32::try_from(at).ok()
    }

    fn get(&self, at: u32, len: u16) -> &str {
        let at = at as usize;
        self.chunks
            .get(at / TEXT_CHUNK)
            .and_then(|c| c.get(at % TEXT_CHUNK..at % TEXT_CHUNK + usize::from(len)))
            .unwrap_or("")
    }

    fn bytes(&self) -> usize {
        self.chunks.len() * TEXT_CHUNK
    }
}

/// The index of one capture file.
#[derive(Debug, Default)]
pub struct Store {
    pub path: PathBuf,
    pub rows: Vec<Row>,
    text: TextArena,
    strings: Vec<Box<str>>,
    pub groups: Vec<Group>,
    /// The group of each flow.
    pub group_index: HashMap<GroupKind, u32>,
    /// Flows as they ended (all of them once indexing is done).
    pub flows: Vec<FlowRow>,
    /// Flows of the capture still open, summarised as they stand (live mode).
    pub open_flows: Vec<FlowRow>,
    pub first_ts: Option<i64>,
    /// Digits after the point in the Time column.
    pub decimals: u32,
    pub progress: Progress,
    pub live: Option<LiveCounters>,
    pub cfg: Config,
}

impl Store {
    pub fn new(path: &Path, cfg: Config) -> Store {
        Store {
            path: path.to_path_buf(),
            decimals: 6,
            cfg,
            ..Store::default()
        }
    }

    pub fn string(&self, id: u32) -> &str {
        self.strings.get(id as usize).map_or("", |s| s)
    }

    pub fn info(&self, r: &Row) -> &str {
        self.text.get(r.info, r.info_len)
    }

    /// Bytes of memory the index holds (rows, texts, groups), for the benchmark.
    pub fn heap_bytes(&self) -> usize {
        self.rows.capacity() * std::mem::size_of::<Row>()
            + self.text.bytes()
            + self.strings.iter().map(|s| s.len() + 16).sum::<usize>()
            + self.groups.iter().map(|g| g.frames.capacity() * 4 + 48).sum::<usize>()
    }

    /// The group of a flow.
    pub fn group_of_flow(&self, proto: &str, id: u64) -> Option<u32> {
        let want = match proto {
            "tcp" => GroupKind::Tcp(id),
            "udp" => GroupKind::Udp(id),
            _ => return None,
        };
        self.group_index.get(&want).copied()
    }

    /// The summary of a flow (ended or still open).
    pub fn flow(&self, kind: &GroupKind) -> Option<&FlowRow> {
        let (proto, id) = match kind {
            GroupKind::Tcp(n) => ("tcp", *n),
            GroupKind::Udp(n) => ("udp", *n),
            _ => return None,
        };
        self.flows
            .iter()
            .chain(self.open_flows.iter())
            .find(|f| f.proto == proto && f.id == id)
    }
}

/// A store shared by the indexer thread and the UI.
pub type Shared = Arc<Mutex<Store>>;

/// Locks the store or a job's state. A panicked holder leaves data that is
/// still consistent enough to show (rows are appended whole, progress and
/// results are single assignments), so poisoning is ignored.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Turns engine output into rows; owns the interning tables.
struct RowMaker {
    ids: HashMap<Box<str>, u32>,
    group_ids: HashMap<GroupKind, u32>,
    /// New since the last merge.
    rows: Vec<Row>,
    /// The new rows' Info texts, one after the other, and their lengths.
    texts: String,
    text_lens: Vec<u16>,
    strings: Vec<Box<str>>,
    groups: Vec<Group>,
    /// (group, frame) additions to groups made before this batch (fragments).
    extra: Vec<(u32, u32)>,
    /// Totals already merged into the store.
    merged_rows: u32,
    merged_strings: u32,
    merged_groups: u32,
}

impl RowMaker {
    fn new() -> RowMaker {
        RowMaker {
            ids: HashMap::new(),
            group_ids: HashMap::new(),
            rows: Vec::new(),
            texts: String::new(),
            text_lens: Vec::new(),
            strings: Vec::new(),
            groups: Vec::new(),
            extra: Vec::new(),
            merged_rows: 0,
            merged_strings: 0,
            merged_groups: 0,
        }
    }

    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.merged_strings + self.strings.len() as u32;
        self.ids.insert(s.into(), id);
        self.strings.push(s.into());
        id
    }

    fn group(&mut self, kind: GroupKind) -> u32 {
        if let Some(&g) = self.group_ids.get(&kind) {
            return g;
        }
        let g = self.merged_groups + self.groups.len() as u32;
        self.group_ids.insert(kind.clone(), g);
        self.groups.push(Group {
            kind,
            frames: Vec::new(),
        });
        g
    }

    /// Adds frame `idx` to group `g` (in this batch or already merged).
    fn add_to_group(&mut self, g: u32, idx: u32) {
        match g.checked_sub(self.merged_groups) {
            Some(local) => {
                if let Some(gr) = self.groups.get_mut(local as usize) {
                    gr.frames.push(idx);
                }
            }
            None => self.extra.push((g, idx)),
        }
    }

    fn push(&mut self, p: &Processed, data: &[u8], offset: u64) {
        let idx = self.merged_rows + self.rows.len() as u32;
        let c = columns(&p.decoded, &p.meta, data, &p.ann);
        let kind = match p.flow {
            Some(("tcp", n)) => Some(GroupKind::Tcp(n)),
            Some((_, n)) => Some(GroupKind::Udp(n)),
            None if p.decoded.arp.is_some() => Some(GroupKind::Arp),
            None if matches!(
                p.decoded.transport,
                Some(wirelens_dissectors::frame::Transport::Icmp(_) | wirelens_dissectors::frame::Transport::Icmpv6(_))
            ) =>
            {
                Some(GroupKind::Icmp)
            }
            None => None,
        };
        let group = match kind {
            Some(k) => {
                let g = self.group(k);
                // The fragments of a datagram this frame completed come first.
                if let Some(r) = &p.decoded.reassembled {
                    for &(_, _, n) in &r.frames {
                        if let Some(f) = u32::try_from(n).ok().and_then(|n| n.checked_sub(1)) {
                            if f != idx {
                                self.add_to_group(g, f);
                            }
                        }
                    }
                }
                self.add_to_group(g, idx);
                g
            }
            None => ALONE,
        };
        let mut class = 0;
        let info = c.info.as_str();
        if info.contains("Retransmission") {
            class |= class::RETRANS;
        }
        if info.contains("ZeroWindow") {
            class |= class::ZERO_WINDOW;
        }
        if info.contains("Dup ACK")
            || info.contains("Out-Of-Order")
            || info.contains("Previous segment not captured")
            || info.contains("ACKed unseen")
        {
            class |= class::WARN;
        }
        if let Some(t) = p.decoded.tcp() {
            if t.rst() {
                class |= class::RST;
            }
            if t.syn() || t.fin() {
                class |= class::SYNFIN;
            }
        }
        if !p.decoded.errors.is_empty() && p.decoded.partial.is_none() || info.contains("Malformed") {
            class |= class::ERROR;
        }
        let mut end = c.info.len().min(usize::from(u16::MAX));
        while !c.info.is_char_boundary(end) {
            end -= 1;
        }
        let info_len = end as u16;
        self.texts.push_str(c.info.get(..end).unwrap_or(""));
        self.text_lens.push(info_len);
        let (src, dst, proto) = (self.intern(&c.src), self.intern(&c.dst), self.intern(&c.proto));
        self.rows.push(Row {
            offset,
            ts_ns: p.meta.ts_ns(),
            origlen: p.meta.origlen,
            group,
            src,
            dst,
            proto,
            // Set when merged into the store's arena.
            info: 0,
            info_len,
            states: p.states.map_or([0, 0], |(c, s)| [state_code(c), state_code(s)]),
            class,
        });
    }

    /// Moves what is new into the store.
    fn merge(&mut self, st: &mut Store) {
        let mut at = 0;
        for (r, &len) in self.rows.iter_mut().zip(&self.text_lens) {
            let t = self.texts.get(at..at + usize::from(len)).unwrap_or("");
            at += usize::from(len);
            match st.text.push(t) {
                Some(off) => r.info = off,
                // Past 4 GiB of Info text, later rows show none.
                None => r.info_len = 0,
            }
        }
        self.texts.clear();
        self.text_lens.clear();
        st.rows.append(&mut self.rows);
        self.merged_strings += self.strings.len() as u32;
        st.strings.append(&mut self.strings);
        for (i, g) in self.groups.iter().enumerate() {
            st.group_index.insert(g.kind.clone(), self.merged_groups + i as u32);
        }
        self.merged_groups += self.groups.len() as u32;
        st.groups.append(&mut self.groups);
        for (g, f) in self.extra.drain(..) {
            if let Some(gr) = st.groups.get_mut(g as usize) {
                let at = gr.frames.partition_point(|&x| x < f);
                if gr.frames.get(at) != Some(&f) {
                    gr.frames.insert(at, f);
                }
            }
        }
        self.merged_rows = st.rows.len() as u32;
    }
}

/// A reader of a file another thread is still writing (live capture): at
/// the end of the data it waits for more until `done` is set.
pub struct FollowRead {
    file: std::fs::File,
    done: Arc<AtomicBool>,
}

impl FollowRead {
    pub fn new(file: std::fs::File, done: Arc<AtomicBool>) -> FollowRead {
        FollowRead { file, done }
    }
}

impl Read for FollowRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            // Read `done` before trying: data written before it was set is then seen.
            let done = self.done.load(Ordering::Acquire);
            let n = self.file.read(buf)?;
            if n > 0 || done || buf.is_empty() {
                return Ok(n);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Where the indexer reads.
pub enum Source {
    /// A saved file.
    File,
    /// A file a live capture is writing; complete when the flag is set.
    Growing(Arc<AtomicBool>),
}

fn open_source(path: &Path, src: &Source) -> Result<FileReader, String> {
    match src {
        Source::File => FileReader::open(path).map_err(|e| e.to_string()),
        Source::Growing(done) => {
            let f = std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            FileReader::from_reader(Box::new(FollowRead::new(f, done.clone())), &path.display().to_string())
                .map_err(|e| e.to_string())
        }
    }
}

/// Digits of the Time column for this file's timestamp resolution.
pub fn time_decimals(r: &FileReader) -> u32 {
    use crate::capture::FileFormat;
    match r.format() {
        FileFormat::Pcap { nanos: true, .. } => 9,
        FileFormat::Pcap { .. } => 6,
        // if_tsresol: 10^-n seconds (n digits), or 2^-n with the top bit set.
        FileFormat::Pcapng => r
            .interfaces()
            .first()
            .map(|i| {
                if i.tsresol & 0x80 == 0 {
                    u32::from(i.tsresol).min(9)
                } else {
                    9
                }
            })
            .unwrap_or(6),
    }
}

/// Indexes the whole file into `shared` on a new thread. The file is opened
/// first, so a file that cannot be read is reported before any UI starts.
pub fn spawn_indexer(shared: Shared, src: Source) -> Result<std::thread::JoinHandle<()>, String> {
    let (path, cfg) = {
        let st = lock(&shared);
        (st.path.clone(), st.cfg.clone())
    };
    let mut reader = open_source(&path, &src)?;
    let growing = matches!(src, Source::Growing(_));
    {
        let mut st = lock(&shared);
        st.decimals = time_decimals(&reader);
        st.progress.file_len = if growing { None } else { reader.file_len() };
        st.progress.started = Some(Instant::now());
    }
    Ok(std::thread::spawn(move || {
        index(shared, &mut reader, cfg, growing);
        // The engine's flow tables are gone: give their memory back to the system.
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: malloc_trim only releases free heap memory; no pointer is involved.
        unsafe {
            libc::malloc_trim(0);
        }
    }))
}

fn index(shared: Shared, reader: &mut FileReader, cfg: Config, growing: bool) {
    let mut engine = Engine::new(Config { detail: false, ..cfg });
    let mut rm = RowMaker::new();
    let mut last_merge = Instant::now();
    let mut last_open = Instant::now();
    let merge = |rm: &mut RowMaker, engine: &mut Engine, reader: &FileReader, end: Option<Result<(), String>>| {
        let mut finished: Vec<FlowRow> = engine.take_finished().iter().map(FlowRow::of).collect();
        if end.is_some() {
            // Summarised one at a time, outside the lock: the UI keeps drawing.
            engine.finish_each(|s| finished.push(FlowRow::of(&s)));
        }
        let mut st = lock(&shared);
        if st.first_ts.is_none() {
            st.first_ts = rm.rows.first().map(|r| r.ts_ns);
        }
        rm.merge(&mut st);
        st.flows.append(&mut finished);
        st.progress.bytes_read = reader.bytes_read();
        if let Some(res) = end {
            st.open_flows.clear();
            st.progress.done = true;
            st.progress.finished = Some(Instant::now());
            st.progress.error = res.err().map(|e| format!("read error: {e}"));
            st.progress.warnings = reader.warnings().iter().map(|w| w.to_string()).collect();
        }
    };
    loop {
        match reader.next_record() {
            Ok(Some(rec)) => {
                let p = engine.ingest(&rec);
                rm.push(&p, rec.data, rec.offset);
                // Merge often enough that the list fills at once, rarely enough to stay cheap.
                // Live: every frame at once (the next may be long in coming).
                if growing
                    || rm.rows.len() >= 65536
                    || (rm.rows.len() & 255 == 0 && last_merge.elapsed() > Duration::from_millis(50))
                {
                    merge(&mut rm, &mut engine, reader, None);
                    last_merge = Instant::now();
                }
            }
            Ok(None) => {
                merge(&mut rm, &mut engine, reader, Some(Ok(())));
                return;
            }
            Err(e) => {
                merge(&mut rm, &mut engine, reader, Some(Err(e.to_string())));
                return;
            }
        }
        // Live: the open flows as they stand, before waiting for more
        // packets (nothing buffered), and at least twice a second.
        if growing && (reader.buffered() == 0 || last_open.elapsed() > Duration::from_millis(500)) {
            // Live: the flows still open, as they stand, and the rows so far.
            merge(&mut rm, &mut engine, reader, None);
            let open = engine.open_summaries().iter().map(FlowRow::of).collect();
            lock(&shared).open_flows = open;
            last_merge = Instant::now();
            last_open = Instant::now();
        }
    }
}

/// A frame read again and processed as in the full pass.
pub struct Built {
    pub p: Processed,
    pub data: Vec<u8>,
}

/// What replaying a group needs from the index, copied out so the store is
/// not held while replaying.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The group ([`ALONE`] for a frame replayed on its own).
    pub group: u32,
    pub kind: Option<GroupKind>,
    /// (frame index, record offset, timestamp of the frame before it in the capture).
    pub frames: Vec<(u32, u64, Option<i64>)>,
    pub first_ts: i64,
    pub cfg: Config,
}

impl Store {
    fn plan_step(&self, idx: u32) -> Option<(u32, u64, Option<i64>)> {
        let row = self.rows.get(idx as usize)?;
        let prev = idx
            .checked_sub(1)
            .and_then(|i| self.rows.get(i as usize))
            .map(|r| r.ts_ns);
        Some((idx, row.offset, prev))
    }

    /// The replay that rebuilds frame `idx`: its group's frames up to it.
    pub fn plan_frame(&self, idx: u32) -> Result<Plan, String> {
        let row = self
            .rows
            .get(idx as usize)
            .ok_or_else(|| format!("no frame {}", idx + 1))?;
        let (kind, frames) = if row.group == ALONE {
            (None, vec![idx])
        } else {
            let g = self.groups.get(row.group as usize).ok_or("no such flow")?;
            let pos = g
                .frames
                .binary_search(&idx)
                .map_err(|_| format!("frame {} is not in its flow's list", idx + 1))?;
            (Some(g.kind.clone()), g.frames.get(..=pos).unwrap_or(&[]).to_vec())
        };
        Ok(Plan {
            group: row.group,
            kind,
            frames: frames.into_iter().filter_map(|f| self.plan_step(f)).collect(),
            first_ts: self.first_ts.unwrap_or(0),
            cfg: self.cfg.clone(),
        })
    }

    /// The replay of a whole group (ladder, follow).
    pub fn plan_group(&self, group: u32) -> Result<Plan, String> {
        let g = self.groups.get(group as usize).ok_or("no such flow")?;
        Ok(Plan {
            group,
            kind: Some(g.kind.clone()),
            frames: g.frames.iter().filter_map(|&f| self.plan_step(f)).collect(),
            first_ts: self.first_ts.unwrap_or(0),
            cfg: self.cfg.clone(),
        })
    }
}

/// Rebuilds frames by replaying their group. Keeps the last replay's engine,
/// so walking forward through a flow costs one frame per step.
pub struct Replayer {
    reader: Option<FileReader>,
    path: PathBuf,
    /// (group, engine, how many of the group's frames it has seen).
    cache: Option<(u32, Engine, usize)>,
}

impl Replayer {
    pub fn new(path: &Path) -> Replayer {
        Replayer {
            reader: None,
            path: path.to_path_buf(),
            cache: None,
        }
    }

    fn fresh(plan: &Plan) -> Engine {
        let mut e = Engine::new(Config {
            detail: true,
            ..plan.cfg.clone()
        });
        match plan.kind {
            Some(GroupKind::Tcp(n)) => e.set_next_streams(n, 0),
            Some(GroupKind::Udp(n)) => e.set_next_streams(0, n),
            _ => {}
        }
        e
    }

    fn ingest(&mut self, engine: &mut Engine, first_ts: i64, step: (u32, u64, Option<i64>)) -> Result<Built, String> {
        let (idx, offset, prev) = step;
        if self.reader.is_none() {
            self.reader = Some(FileReader::open(&self.path).map_err(|e| e.to_string())?);
        }
        let r = self.reader.as_mut().ok_or("no reader")?;
        let rec = r.read_at(offset).map_err(|e| e.to_string())?;
        let p = engine.ingest_as(&rec, u64::from(idx) + 1, first_ts, prev);
        Ok(Built {
            p,
            data: rec.data.to_vec(),
        })
    }

    /// Runs `plan` and returns its last frame. `progress(done, total)` is
    /// called every 1024 frames; returning false abandons the replay (the
    /// engine is kept for a later request on the same group).
    pub fn run(
        &mut self,
        plan: &Plan,
        mut progress: impl FnMut(usize, usize) -> bool,
    ) -> Result<Option<Built>, String> {
        let total = plan.frames.len();
        let (mut engine, start) = match self.cache.take() {
            Some((g, e, next)) if g == plan.group && g != ALONE && next < total => (e, next),
            _ => (Self::fresh(plan), 0),
        };
        let mut last = None;
        for (i, &step) in plan.frames.iter().enumerate().skip(start) {
            if i > start && i & 1023 == 0 && !progress(i, total) {
                self.cache = Some((plan.group, engine, i));
                return Ok(None);
            }
            last = Some(self.ingest(&mut engine, plan.first_ts, step)?);
        }
        self.cache = Some((plan.group, engine, total));
        Ok(last)
    }

    /// Frame `idx` (0-based) processed exactly as the full pass did, with
    /// the detail the tree needs.
    pub fn frame(&mut self, st: &Store, idx: u32) -> Result<Built, String> {
        let plan = st.plan_frame(idx)?;
        self.run(&plan, |_, _| true)?.ok_or_else(|| "empty replay".to_string())
    }

    /// Every frame of a plan, processed in order (the ladder and follow
    /// views). `progress(done, total)` every 1024 frames; false cancels.
    pub fn each(
        &mut self,
        plan: &Plan,
        mut progress: impl FnMut(usize, usize) -> bool,
        mut each: impl FnMut(&Built),
    ) -> Result<(), String> {
        let mut engine = Self::fresh(plan);
        let total = plan.frames.len();
        for (i, &step) in plan.frames.iter().enumerate() {
            if i > 0 && i & 1023 == 0 && !progress(i, total) {
                return Err("cancelled".into());
            }
            let b = self.ingest(&mut engine, plan.first_ts, step)?;
            each(&b);
        }
        Ok(())
    }
}

/// A frame's tree, built by a [`Replayer`] on its own thread so that a long
/// flow never freezes the UI. A newer request replaces an older one.
pub struct TreeWorker {
    tx: std::sync::mpsc::Sender<(u32, Plan)>,
    rx: std::sync::mpsc::Receiver<(u32, Result<Built, String>)>,
    /// Frames replayed and to replay for the request in progress.
    pub progress: Arc<Mutex<(u32, usize, usize)>>,
}

impl TreeWorker {
    pub fn new(path: &Path) -> TreeWorker {
        let (tx, req_rx) = std::sync::mpsc::channel::<(u32, Plan)>();
        let (resp_tx, rx) = std::sync::mpsc::channel();
        let progress = Arc::new(Mutex::new((0, 0, 0)));
        let prog = progress.clone();
        let path = path.to_path_buf();
        std::thread::spawn(move || {
            let mut rp = Replayer::new(&path);
            let mut next: Option<(u32, Plan)> = None;
            loop {
                let (frame, plan) = match next.take() {
                    Some(r) => r,
                    None => match req_rx.recv() {
                        Ok(r) => r,
                        Err(_) => return,
                    },
                };
                let res = rp.run(&plan, |done, total| {
                    *lock(&prog) = (frame, done, total);
                    // A newer request: this one is dropped.
                    match req_rx.try_recv() {
                        Ok(r) => {
                            next = Some(r);
                            false
                        }
                        Err(_) => true,
                    }
                });
                let out = match res {
                    Ok(Some(b)) => Ok(b),
                    Ok(None) => continue,
                    Err(e) => Err(e),
                };
                if resp_tx.send((frame, out)).is_err() {
                    return;
                }
            }
        });
        TreeWorker { tx, rx, progress }
    }

    /// Asks for frame `frame` rebuilt by `plan`.
    pub fn request(&self, frame: u32, plan: Plan) {
        *lock(&self.progress) = (frame, 0, plan.frames.len());
        let _ = self.tx.send((frame, plan));
    }

    /// A finished frame, waiting at most `wait`.
    pub fn take(&self, wait: Duration) -> Option<(u32, Result<Built, String>)> {
        self.rx.recv_timeout(wait).ok()
    }
}

/// The tree of a built frame.
pub fn tree_of(b: &Built) -> Tree {
    let mut t = Tree::new();
    build_tree(&b.p.decoded, &b.p.meta, &b.data, &b.p.ann, &mut t);
    t
}

/// Progress and results of a display filter being applied.
#[derive(Debug, Default)]
pub struct FilterRun {
    /// Frame indexes that match, ascending.
    pub matches: Vec<u32>,
    /// Frames examined so far.
    pub scanned: u64,
    pub done: bool,
    pub error: Option<String>,
}

/// A display filter applied on its own thread; dropping it stops the thread.
pub struct FilterJob {
    pub text: String,
    pub run: Arc<Mutex<FilterRun>>,
    cancel: Arc<AtomicBool>,
}

impl Drop for FilterJob {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Release);
    }
}

/// Runs `expr` over every frame of the file (a full pass with trees).
pub fn spawn_filter(path: &Path, src: Source, cfg: Config, text: &str, expr: Expr) -> FilterJob {
    let run = Arc::new(Mutex::new(FilterRun::default()));
    let cancel = Arc::new(AtomicBool::new(false));
    let job = FilterJob {
        text: text.to_string(),
        run: run.clone(),
        cancel: cancel.clone(),
    };
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        let growing = matches!(src, Source::Growing(_));
        let mut reader = match open_source(&path, &src) {
            Ok(r) => r,
            Err(e) => {
                let mut g = lock(&run);
                g.error = Some(e);
                g.done = true;
                return;
            }
        };
        let mut engine = Engine::new(Config { detail: true, ..cfg });
        let mut tree = Tree::new();
        let mut found = Vec::new();
        let mut scanned = 0u64;
        let mut last = Instant::now();
        loop {
            if cancel.load(Ordering::Acquire) {
                return;
            }
            let res = reader.next_record();
            let end = match res {
                Ok(Some(rec)) => {
                    let p = engine.ingest(&rec);
                    build_tree(&p.decoded, &p.meta, rec.data, &p.ann, &mut tree);
                    if crate::filter::matches(&expr, &tree, rec.data) {
                        found.push(scanned as u32);
                    }
                    scanned += 1;
                    None
                }
                Ok(None) => Some(None),
                Err(e) => Some(Some(e.to_string())),
            };
            if end.is_some() || growing || scanned & 1023 == 0 && last.elapsed() > Duration::from_millis(50) {
                let mut g = lock(&run);
                g.matches.append(&mut found);
                g.scanned = scanned;
                if let Some(err) = end {
                    g.done = true;
                    g.error = err;
                    return;
                }
                last = Instant::now();
            }
        }
    });
    job
}

/// How an export is going.
#[derive(Debug)]
pub struct ExportRun {
    pub done: bool,
    /// Flows written, or why not.
    pub result: Result<usize, String>,
}

/// A flow export on its own thread.
pub struct ExportJob {
    pub path: PathBuf,
    pub run: Arc<Mutex<ExportRun>>,
}

/// Writes the flow summaries of `file` to `out` on a new thread: the engine
/// runs over the file again, so the summaries are complete without the UI
/// holding them. A live capture's spool is read up to where it is now.
pub fn spawn_export(file: &Path, cfg: Config, out: &Path, title: &str, filter: Option<Expr>) -> ExportJob {
    let run = Arc::new(Mutex::new(ExportRun {
        done: false,
        result: Ok(0),
    }));
    let job = ExportJob {
        path: out.to_path_buf(),
        run: run.clone(),
    };
    let (file, out, title) = (file.to_path_buf(), out.to_path_buf(), title.to_string());
    std::thread::spawn(move || {
        let res = FileReader::open(&file)
            .map_err(|e| e.to_string())
            .and_then(|mut r| crate::commands::export_flows(&mut r, &out, &title, &cfg, filter.as_ref()));
        let mut g = lock(&run);
        g.result = res;
        g.done = true;
    });
    job
}
