//! Live capture through libpcap: the only code that names `pcap::`.
//!
//! [`open`] opens an interface (with a BPF filter compiled by libpcap) and
//! turns libpcap's errors into messages that say what is wrong and how to
//! fix it. [`LiveSource::spawn`] runs the capture on its own thread feeding
//! a bounded queue: when the engine cannot keep up, packets are dropped and
//! counted (never buffered without bound), next to the kernel's own drop
//! counters.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::Timestamp;

/// Memory a queued packet takes beyond its bytes.
pub const PACKET_OVERHEAD: usize = 64;

/// Options of a live capture, as tcpdump users know them.
#[derive(Clone, Debug)]
pub struct LiveOpts {
    pub iface: String,
    /// A capture filter in BPF syntax (`-f`).
    pub filter: Option<String>,
    pub snaplen: u32,
    /// Promiscuous mode (`-p` turns it off).
    pub promisc: bool,
    /// Kernel buffer size in bytes.
    pub buffer: u32,
}

impl Default for LiveOpts {
    fn default() -> Self {
        LiveOpts {
            iface: String::new(),
            filter: None,
            snaplen: 262_144,
            promisc: true,
            buffer: 32 << 20,
        }
    }
}

/// A packet copied out of libpcap's buffer.
#[derive(Clone, Debug)]
pub struct LivePacket {
    pub ts: Timestamp,
    pub caplen: u32,
    pub origlen: u32,
    pub data: Vec<u8>,
}

/// Counters shared by the capture thread and its reader.
#[derive(Debug, Default)]
pub struct LiveStats {
    /// Packets libpcap handed over.
    pub captured: AtomicU64,
    /// Bytes of those.
    pub bytes: AtomicU64,
    /// Packets dropped because the queue to the engine was full.
    pub queue_dropped: AtomicU64,
    /// The kernel's counters (`pcap_stats`): received by the filter, dropped
    /// for lack of buffer space, dropped by the interface.
    pub kernel_received: AtomicU64,
    pub kernel_dropped: AtomicU64,
    pub if_dropped: AtomicU64,
    /// Bytes waiting in the queue.
    pub queued_bytes: AtomicUsize,
}

/// Why a live capture could not start or stopped, with what to do.
#[derive(Debug)]
pub struct LiveError(pub String);

impl std::fmt::Display for LiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The command that lets the binary capture without root.
pub fn setcap_hint() -> String {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "$(command -v wirelens)".into());
    format!("sudo setcap cap_net_raw,cap_net_admin=eip {exe}")
}

fn explain(iface: &str, e: pcap::Error) -> LiveError {
    let raw = e.to_string();
    let low = raw.to_ascii_lowercase();
    if low.contains("permission") || low.contains("not permitted") || low.contains("eperm") || low.contains("eacces") {
        return LiveError(format!(
            "no permission to capture on {iface}: capturing needs root or the capture capabilities. \
             Run it with sudo (`sudo wirelens sniff -i {iface}`: wirelens opens the interface, then drops to your user \
             before it parses any packet), or let the binary capture without root: `{}` (libpcap said: {raw})",
            setcap_hint()
        ));
    }
    if low.contains("no such device") || low.contains("doesn't exist") || low.contains("not found") {
        return LiveError(format!(
            "there is no interface named {iface:?}: `wirelens interfaces` lists the ones that can be captured (libpcap said: {raw})"
        ));
    }
    if low.contains("not up") {
        return LiveError(format!(
            "interface {iface} is down: bring it up with `sudo ip link set {iface} up` (libpcap said: {raw})"
        ));
    }
    LiveError(format!("cannot capture on {iface}: {raw}"))
}

/// Checks a capture filter's syntax without any privilege (libpcap compiles
/// it for Ethernet); the real compilation for the interface's link type
/// happens in [`open`].
pub fn check_filter(filter: &str) -> Result<(), LiveError> {
    let dead = pcap::Capture::dead(pcap::Linktype::ETHERNET).map_err(|e| LiveError(format!("libpcap: {e}")))?;
    dead.compile(filter, true)
        .map(|_| ())
        .map_err(|e| bad_filter(filter, e))
}

fn bad_filter(filter: &str, e: pcap::Error) -> LiveError {
    LiveError(format!(
        "bad capture filter {filter:?}: {e}. Capture filters (-f) use libpcap's BPF syntax, as tcpdump does \
         (e.g. 'tcp port 80 and host 10.0.0.1'); see `man pcap-filter`"
    ))
}

/// An open capture handle, not yet reading.
pub struct LiveSource {
    cap: pcap::Capture<pcap::Active>,
    pub linktype: u32,
    pub snaplen: u32,
    pub iface: String,
}

/// Opens `o.iface` for capture and applies the filter.
pub fn open(o: &LiveOpts) -> Result<LiveSource, LiveError> {
    if let Some(f) = &o.filter {
        check_filter(f)?;
    }
    let snaplen = i32::try_from(o.snaplen.clamp(64, 262_144)).unwrap_or(262_144);
    let cap = pcap::Capture::from_device(o.iface.as_str())
        .map_err(|e| explain(&o.iface, e))?
        .promisc(o.promisc)
        .snaplen(snaplen)
        // Not immediate mode: libpcap then uses TPACKET_V3 blocks, which keep
        // up with bursts (immediate mode's TPACKET_V2 frames are sized for
        // 64 KiB on devices with offloads and overflowed at 100k packets/s);
        // a block is handed over when full or after the 100 ms timeout.
        .timeout(100)
        .buffer_size(i32::try_from(o.buffer).unwrap_or(i32::MAX))
        .precision(pcap::Precision::Nano);
    let mut cap = cap.open().map_err(|e| explain(&o.iface, e))?;
    if let Some(f) = &o.filter {
        cap.filter(f, true).map_err(|e| bad_filter(f, e))?;
    }
    let linktype = u32::try_from(cap.get_datalink().0).unwrap_or(0);
    Ok(LiveSource {
        cap,
        linktype,
        snaplen: snaplen as u32,
        iface: o.iface.clone(),
    })
}

/// The running capture: its thread, queue and counters.
pub struct LiveRun {
    pub rx: Receiver<LivePacket>,
    pub stats: Arc<LiveStats>,
    pub stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Option<String>>>,
    breaker: pcap::BreakLoop,
}

impl LiveRun {
    /// Asks the capture thread to stop, waking it if libpcap waits for packets.
    pub fn request_stop(&self) {
        if !self.stop.swap(true, Ordering::SeqCst) {
            self.breaker.breakloop();
        }
    }

    /// Stops the capture thread and returns its error, if it ended on one.
    pub fn join(&mut self) -> Option<String> {
        self.request_stop();
        self.thread.take().and_then(|t| t.join().ok().flatten())
    }
}

impl LiveSource {
    /// Starts reading on a thread of its own. At most `queue_bytes` of
    /// packets wait for the engine; more are dropped and counted. The thread
    /// ends when `stop` is set, after `max_packets` packets, or after
    /// `duration` of wall-clock time (a capture control, not engine time).
    pub fn spawn(mut self, queue_bytes: usize, max_packets: Option<u64>, duration: Option<Duration>) -> LiveRun {
        let stats = Arc::new(LiveStats::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::sync_channel::<LivePacket>(1 << 20);
        let (st, sp) = (stats.clone(), stop.clone());
        let breaker = self.cap.breakloop_handle();
        let thread = std::thread::Builder::new()
            .name("capture".into())
            .spawn(move || self.run(&tx, &st, &sp, queue_bytes, max_packets, duration))
            .ok();
        LiveRun {
            rx,
            stats,
            stop,
            thread,
            breaker,
        }
    }

    fn run(
        &mut self,
        tx: &SyncSender<LivePacket>,
        st: &LiveStats,
        stop: &AtomicBool,
        queue_bytes: usize,
        max_packets: Option<u64>,
        duration: Option<Duration>,
    ) -> Option<String> {
        let start = Instant::now();
        let mut last_stats = Instant::now();
        let mut err = None;
        loop {
            if stop.load(Ordering::SeqCst)
                || max_packets.is_some_and(|n| st.captured.load(Ordering::Relaxed) >= n)
                || duration.is_some_and(|d| start.elapsed() >= d)
            {
                break;
            }
            match self.cap.next_packet() {
                Ok(p) => {
                    // What a queued packet costs: its bytes and its bookkeeping.
                    let len = p.data.len() + PACKET_OVERHEAD;
                    st.captured.fetch_add(1, Ordering::Relaxed);
                    st.bytes.fetch_add(p.data.len() as u64, Ordering::Relaxed);
                    // time_t is 32-bit on some targets.
                    #[allow(clippy::useless_conversion)]
                    let secs = i64::from(p.header.ts.tv_sec);
                    let nanos = u32::try_from(p.header.ts.tv_usec).unwrap_or(0).min(999_999_999);
                    let pkt = LivePacket {
                        ts: Timestamp::new(secs, nanos),
                        caplen: p.header.caplen,
                        origlen: p.header.len,
                        data: p.data.to_vec(),
                    };
                    if st.queued_bytes.load(Ordering::Relaxed).saturating_add(len) > queue_bytes {
                        st.queue_dropped.fetch_add(1, Ordering::Relaxed);
                    } else {
                        st.queued_bytes.fetch_add(len, Ordering::Relaxed);
                        match tx.try_send(pkt) {
                            Ok(()) => {}
                            Err(TrySendError::Full(_)) => {
                                st.queued_bytes.fetch_sub(len, Ordering::Relaxed);
                                st.queue_dropped.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(TrySendError::Disconnected(_)) => break,
                        }
                    }
                }
                Err(pcap::Error::TimeoutExpired) => {}
                Err(pcap::Error::NoMorePackets) => break,
                // pcap_breakloop makes the wait end with an error.
                Err(_) if stop.load(Ordering::SeqCst) => break,
                Err(e) => {
                    err = Some(format!("capture on {} stopped: {e}", self.iface));
                    break;
                }
            }
            if last_stats.elapsed() >= Duration::from_millis(250) {
                self.update_stats(st);
                last_stats = Instant::now();
            }
        }
        self.update_stats(st);
        err
    }

    fn update_stats(&mut self, st: &LiveStats) {
        if let Ok(s) = self.cap.stats() {
            st.kernel_received.store(u64::from(s.received), Ordering::Relaxed);
            st.kernel_dropped.store(u64::from(s.dropped), Ordering::Relaxed);
            st.if_dropped.store(u64::from(s.if_dropped), Ordering::Relaxed);
        }
    }
}

/// One capture device, as `wirelens interfaces` lists it.
#[derive(Clone, Debug)]
pub struct IfaceInfo {
    pub name: String,
    pub desc: Option<String>,
    pub addresses: Vec<(IpAddr, Option<IpAddr>)>,
    pub up: bool,
    pub running: bool,
    pub loopback: bool,
    pub wireless: bool,
    /// Whether this process may open it now (`Err` says why not).
    pub can_capture: Result<(), String>,
}

/// The capture devices libpcap knows, with whether each can be opened now.
pub fn interfaces() -> Result<Vec<IfaceInfo>, LiveError> {
    let list = pcap::Device::list().map_err(|e| LiveError(format!("cannot list interfaces: {e}")))?;
    Ok(list
        .into_iter()
        .map(|d| {
            let can = pcap::Capture::from_device(d.name.as_str())
                .and_then(|c| c.snaplen(128).timeout(1).open())
                .map(|_| ())
                .map_err(|e| {
                    let m = e.to_string();
                    if m.to_ascii_lowercase().contains("permission") || m.contains("not permitted") {
                        "needs root or cap_net_raw".to_string()
                    } else {
                        m
                    }
                });
            IfaceInfo {
                addresses: d.addresses.iter().map(|a| (a.addr, a.netmask)).collect(),
                up: d.flags.is_up(),
                running: d.flags.is_running(),
                loopback: d.flags.is_loopback(),
                wireless: d.flags.is_wireless(),
                can_capture: can,
                desc: d.desc,
                name: d.name,
            }
        })
        .collect())
}
