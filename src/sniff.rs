//! `wirelens sniff` and `wirelens interfaces`: live capture through the same
//! engine as saved files.
//!
//! Order of events: the capture filter is checked, the interface opened and
//! the output file created (all with root), then privileges are dropped,
//! and only then does the capture thread start and the engine parse
//! packets. Ctrl-C or SIGTERM stops the capture; whatever was queued is
//! still processed and saved, the file is completed and renamed, and the
//! summary printed.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::capture::live::{self, LiveOpts};
use crate::capture::{PcapWriter, Record, WriteFormat};
use crate::commands::{engine_notes, Closed, FlowWriter, Out, Status};
use crate::engine::{Config, Engine};
use crate::export::Format;
use crate::output;
use crate::privs;
use crate::store::{self, lock, LiveCounters, Source, Store};
use crate::ui::app::App;

/// Options of `wirelens sniff`.
#[derive(Clone, Debug)]
pub struct SniffOpts {
    pub live: LiveOpts,
    pub count: Option<u64>,
    pub duration: Option<f64>,
    pub write: Option<PathBuf>,
    /// Print flow summaries at the end in this format instead of packet lines.
    pub flows: Option<Format>,
    pub user: Option<String>,
    pub cfg: Config,
    /// Most bytes of packets waiting for the engine before new ones are dropped.
    pub queue_bytes: usize,
    /// Show the terminal UI (else one line per packet, or the flows).
    pub tui: bool,
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// Ctrl-C and SIGTERM set [`STOP`]. They are caught even when the shell
/// started wirelens in the background with SIGINT ignored (a script's `&`).
fn install_signals() -> Result<(), String> {
    // SAFETY: a zeroed sigaction is valid; the handler only stores to an
    // atomic, which is async-signal-safe; sigemptyset initialises the mask.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::sigemptyset(&mut sa.sa_mask);
        for sig in [libc::SIGINT, libc::SIGTERM] {
            if libc::sigaction(sig, &sa, std::ptr::null_mut()) != 0 {
                return Err(format!(
                    "cannot catch signal {sig}: {}",
                    std::io::Error::last_os_error()
                ));
            }
        }
    }
    Ok(())
}

fn fail(m: impl std::fmt::Display) -> Status {
    eprintln!("wirelens: {m}");
    Status::Error
}

fn write_format(path: &Path) -> WriteFormat {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("pcapng") => WriteFormat::Pcapng,
        _ => WriteFormat::Pcap { nanos: false },
    }
}

/// `wirelens sniff`.
pub fn sniff(o: &SniffOpts) -> Status {
    if o.tui {
        if let Err(e) = crate::ui::check_tty() {
            return fail(format!("{e}; or sniff with --no-tui"));
        }
    }
    if let Some(f) = &o.live.filter {
        if let Err(e) = live::check_filter(f) {
            return fail(e);
        }
    }
    let target = match privs::target(o.user.as_deref()) {
        Ok(t) => t,
        Err(m) => return fail(m),
    };
    if let (Some(path), Some(t)) = (&o.write, &target) {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if path.as_os_str() != "-" && !privs::dir_writable_by(&dir, t.uid, t.gid) {
            return fail(format!(
                "{} is not writable by {} (uid {}), whom wirelens becomes before it parses packets: \
                 write the capture elsewhere (e.g. /tmp) or choose the user with --user",
                dir.display(),
                t.name.as_deref().unwrap_or("that user"),
                t.uid
            ));
        }
    }
    let src = match live::open(&o.live) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut writer = match &o.write {
        Some(p) => match PcapWriter::create_stream(p, write_format(p), src.linktype, src.snaplen) {
            Ok(w) => Some(w),
            Err(e) => return fail(e),
        },
        None => None,
    };
    if let (Some(w), Some(t)) = (&writer, &target) {
        if let Some(tmp) = w.temp_path() {
            if let Err(e) = std::os::unix::fs::chown(tmp, Some(t.uid), Some(t.gid)) {
                return fail(format!("cannot give {} to uid {}: {e}", tmp.display(), t.uid));
            }
        }
    }
    // From here on, no privilege: packets are parsed by an ordinary user.
    let dropped = match &target {
        Some(t) => privs::drop_to(t).map(|_| Some(t.uid)),
        None => privs::drop_caps().map(|_| None).or(Ok(None)),
    };
    match dropped {
        Ok(Some(uid)) => eprintln!(
            "wirelens: capturing on {} (link type {}); privileges dropped to uid {uid}",
            src.iface, src.linktype
        ),
        Ok(None) => eprintln!("wirelens: capturing on {} (link type {})", src.iface, src.linktype),
        Err(m) => return fail(m),
    }
    let linktype = src.linktype;
    let iface = src.iface.clone();
    if let Err(m) = install_signals() {
        return fail(m);
    }
    let duration = o.duration.map(|s| Duration::from_secs_f64(s.max(0.0)));
    let started = std::time::Instant::now();
    let snaplen = src.snaplen;
    let mut run = src.spawn(o.queue_bytes, o.count, duration);
    if o.tui {
        return live_tui(o, run, writer, linktype, snaplen, &iface, duration, started);
    }
    let mut engine = Engine::new(Config {
        detail: false,
        ..o.cfg.clone()
    });
    let mut out = Out::new();
    let mut flows = o.flows.map(FlowWriter::new);
    let mut closed = false;
    let mut write_err: Option<String> = None;
    loop {
        if STOP.load(Ordering::SeqCst) || duration.is_some_and(|d| started.elapsed() >= d) {
            run.request_stop();
        }
        let pkt = match run.rx.recv_timeout(Duration::from_millis(100)) {
            Ok(p) => p,
            Err(RecvTimeoutError::Timeout) => {
                // Quiet: what was captured goes to the file and the screen now.
                if !closed && out.flush_buf().is_err() {
                    closed = true;
                }
                if let Some(w) = writer.as_mut() {
                    if let Err(e) = w.flush() {
                        write_err = Some(e.to_string());
                        run.request_stop();
                    }
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let rec = dequeued(&run.stats, &pkt, linktype);
        if let Some(w) = writer.as_mut() {
            if let Err(e) = w.write(&rec) {
                write_err = Some(e.to_string());
                run.request_stop();
            }
        }
        let p = engine.ingest(&rec);
        match flows.as_mut() {
            Some(fw) => {
                for s in engine.take_finished() {
                    fw.add(s);
                }
            }
            None if !closed => {
                output::packet_line(&mut out.buf, &p, &pkt.data, 6);
                if out.push().is_err() {
                    closed = true;
                }
            }
            None => {}
        }
    }
    let thread_err = run.join();
    let mut status = Status::Ok;
    let saved = writer.map(|w| w.finish().map_err(|e| e.to_string()));
    if !report_saved(saved, write_err) {
        status = Status::Error;
    }
    let notes = engine_notes(&engine);
    if let Some(mut fw) = flows {
        for s in engine.finish() {
            fw.add(s);
        }
        fw.close(&format!("live capture on {iface}"), &notes, "");
        out.buf.push_str(&fw.buf);
    } else {
        let _ = engine.finish();
    }
    if !closed {
        let _: Result<(), Closed> = out.finish();
    }
    for n in &notes {
        eprintln!("wirelens: {n}");
    }
    let st = &run.stats;
    print_counters(st, &iface);
    if let Some(m) = thread_err {
        eprintln!("wirelens: {m}");
        status = Status::Error;
    }
    status
}

/// A packet taken off the capture queue, as a record of the capture.
fn dequeued<'a>(stats: &live::LiveStats, pkt: &'a live::LivePacket, linktype: u32) -> Record<'a> {
    stats
        .queued_bytes
        .fetch_sub(pkt.data.len() + live::PACKET_OVERHEAD, Ordering::Relaxed);
    Record {
        ts: pkt.ts,
        caplen: pkt.caplen,
        origlen: pkt.origlen,
        linktype,
        iface: 0,
        offset: 0,
        data: &pkt.data,
        comments: Vec::new(),
        flags: None,
    }
}

/// How saving went, on stderr: the `-w` file completed (`saved`) and any
/// write error on the way. False when something failed.
fn report_saved(saved: Option<Result<u64, String>>, write_err: Option<String>) -> bool {
    let mut ok = true;
    match saved {
        Some(Ok(n)) => eprintln!("wirelens: {n} packets saved"),
        Some(Err(e)) => {
            eprintln!("wirelens: {e}");
            ok = false;
        }
        None => {}
    }
    if let Some(m) = write_err {
        eprintln!("wirelens: writing the capture failed: {m}; the packets before were saved");
        ok = false;
    }
    ok
}

/// The capture's counters at the end, on stderr.
fn print_counters(st: &live::LiveStats, iface: &str) {
    eprintln!(
        "wirelens: {} packets captured on {iface}; kernel: {} received by filter, {} dropped, {} dropped by the interface; \
         {} dropped because the engine fell behind",
        st.captured.load(Ordering::Relaxed),
        st.kernel_received.load(Ordering::Relaxed),
        st.kernel_dropped.load(Ordering::Relaxed),
        st.if_dropped.load(Ordering::Relaxed),
        st.queue_dropped.load(Ordering::Relaxed),
    );
}

/// `wirelens interfaces`.
pub fn interfaces() -> Status {
    let list = match live::interfaces() {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let mut out = Out::new();
    for i in &list {
        let mut flags = Vec::new();
        if i.up {
            flags.push("up");
        }
        if i.running {
            flags.push("running");
        }
        if i.loopback {
            flags.push("loopback");
        }
        if i.wireless {
            flags.push("wireless");
        }
        let can = match &i.can_capture {
            Ok(()) => "can capture".to_string(),
            Err(m) => format!("cannot capture: {m}"),
        };
        out.buf
            .push_str(&format!("{}  [{}]  {}\n", i.name, flags.join(","), can));
        if let Some(d) = &i.desc {
            out.buf.push_str(&format!("    {d}\n"));
        }
        for (a, m) in &i.addresses {
            match m {
                Some(m) => out.buf.push_str(&format!("    {a} netmask {m}\n")),
                None => out.buf.push_str(&format!("    {a}\n")),
            }
        }
    }
    if list.iter().any(|i| i.can_capture.is_err()) && privs::euid() != 0 {
        out.buf.push_str(&format!(
            "(capturing needs root: run `sudo wirelens sniff -i IFACE`, or once `{}`)\n",
            live::setcap_hint()
        ));
    }
    let _ = out.finish();
    Status::Ok
}

/// What the capture side of the live TUI left: the saved file's result and
/// a write error, if any.
struct SpoolEnd {
    saved: Option<Result<u64, String>>,
    write_err: Option<String>,
    thread_err: Option<String>,
    stats: Arc<live::LiveStats>,
}

/// The live TUI. Captured packets go to a spool file in the temporary
/// directory (and to `-w`), flushed every 100 ms; the TUI indexes the spool
/// as it grows, exactly as it indexes a saved file, so live and offline are
/// the same code. The spool is deleted at the end.
#[allow(clippy::too_many_arguments)]
fn live_tui(
    o: &SniffOpts,
    mut run: live::LiveRun,
    mut writer: Option<PcapWriter>,
    linktype: u32,
    snaplen: u32,
    iface: &str,
    duration: Option<Duration>,
    started: std::time::Instant,
) -> Status {
    let spool_at = std::env::temp_dir().join(format!("wirelens-live-{}.pcap", std::process::id()));
    let mut spool = match PcapWriter::create(&spool_at, WriteFormat::Pcap { nanos: true }, linktype, snaplen) {
        Ok(w) => w,
        Err(e) => {
            run.request_stop();
            return fail(format!(
                "{e} (the live view keeps what it captured in a file in {}; set TMPDIR to a directory this user can write)",
                std::env::temp_dir().display()
            ));
        }
    };
    let spool_path = match spool.temp_path() {
        Some(p) => p.to_path_buf(),
        None => return fail("the spool file has no path"),
    };
    if let Err(e) = spool.flush() {
        return fail(e);
    }
    let shared = Arc::new(Mutex::new(Store::new(&spool_path, o.cfg.clone())));
    lock(&shared).live = Some(LiveCounters {
        running: true,
        ..LiveCounters::default()
    });
    let done = Arc::new(AtomicBool::new(false));
    let capture = {
        let shared = shared.clone();
        let done = done.clone();
        std::thread::spawn(move || {
            let stats = run.stats.clone();
            let mut write_err = None;
            let mut last = std::time::Instant::now();
            let (mut last_pkts, mut last_bytes) = (0u64, 0u64);
            loop {
                if STOP.load(Ordering::SeqCst) || duration.is_some_and(|d| started.elapsed() >= d) {
                    run.request_stop();
                }
                match run.rx.recv_timeout(Duration::from_millis(50)) {
                    Ok(pkt) => {
                        let rec = dequeued(&stats, &pkt, linktype);
                        for w in [Some(&mut spool), writer.as_mut()].into_iter().flatten() {
                            if let Err(e) = w.write(&rec) {
                                write_err = Some(e.to_string());
                                run.request_stop();
                            }
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => break,
                }
                if last.elapsed() >= Duration::from_millis(100) {
                    for w in [Some(&mut spool), writer.as_mut()].into_iter().flatten() {
                        if let Err(e) = w.flush() {
                            write_err = Some(e.to_string());
                            run.request_stop();
                        }
                    }
                    let secs = last.elapsed().as_secs_f64();
                    last = std::time::Instant::now();
                    let pkts = stats.captured.load(Ordering::Relaxed);
                    let bytes = stats.bytes.load(Ordering::Relaxed);
                    if let Some(lc) = lock(&shared).live.as_mut() {
                        lc.packets = pkts;
                        lc.bytes = bytes;
                        lc.pps = (pkts - last_pkts) as f64 / secs;
                        lc.bps = (bytes - last_bytes) as f64 / secs;
                        lc.kernel_drops = stats.kernel_dropped.load(Ordering::Relaxed);
                        lc.iface_drops = stats.if_dropped.load(Ordering::Relaxed);
                        lc.queue_drops = stats.queue_dropped.load(Ordering::Relaxed);
                    }
                    last_pkts = pkts;
                    last_bytes = bytes;
                }
            }
            let thread_err = run.join();
            if let Err(e) = spool.flush() {
                write_err.get_or_insert(e.to_string());
            }
            let saved = writer.map(|w| w.finish().map_err(|e| e.to_string()));
            if let Some(lc) = lock(&shared).live.as_mut() {
                lc.running = false;
                lc.pps = 0.0;
                lc.bps = 0.0;
                lc.packets = stats.captured.load(Ordering::Relaxed);
                lc.kernel_drops = stats.kernel_dropped.load(Ordering::Relaxed);
                lc.iface_drops = stats.if_dropped.load(Ordering::Relaxed);
                lc.queue_drops = stats.queue_dropped.load(Ordering::Relaxed);
            }
            // The indexer reads to the end of the spool, then stops.
            done.store(true, Ordering::Release);
            // The spool stays until the UI is closed (its frames are read again).
            (
                SpoolEnd {
                    saved,
                    write_err,
                    thread_err,
                    stats,
                },
                spool,
            )
        })
    };
    let status = match store::spawn_indexer(shared.clone(), Source::Growing(done.clone())) {
        Err(e) => {
            STOP.store(true, Ordering::SeqCst);
            Err(e)
        }
        Ok(_) => {
            let mut app = App::new(shared, &format!("live {iface}"));
            app.live = Some(done.clone());
            app.tail = true;
            let r = crate::ui::run(&mut app, |app| {
                if STOP.load(Ordering::SeqCst) {
                    app.quit = true;
                }
            });
            // Quitting the UI stops the capture.
            STOP.store(true, Ordering::SeqCst);
            r.map_err(|e| format!("terminal error: {e}"))
        }
    };
    let (end, spool) = match capture.join() {
        Ok(x) => x,
        Err(_) => return fail("the capture thread failed"),
    };
    // Deletes the spool file.
    drop(spool);
    let mut code = Status::Ok;
    if let Err(e) = status {
        eprintln!("wirelens: {e}");
        code = Status::Error;
    }
    if !report_saved(end.saved, end.write_err) {
        code = Status::Error;
    }
    let st = &end.stats;
    print_counters(st, iface);
    if let Some(m) = end.thread_err {
        eprintln!("wirelens: {m}");
        code = Status::Error;
    }
    code
}
