//! The TUI without a terminal: the index, the replayed trees, key handling,
//! and every screen drawn on ratatui's TestBackend against insta snapshots.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use ratatui::Terminal;
use wirelens::capture::FileReader;
use wirelens::dissectors::{build_tree, Tree};
use wirelens::engine::{Config, Engine};
use wirelens::store::{self, lock, Replayer, Shared, Source, Store};
use wirelens::ui::app::{key, App, Pane, Prompt, Screen};
use wirelens::ui::view;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name)
}

/// Indexes a file completely (on the indexer thread, waited for).
fn indexed(path: &Path) -> Shared {
    let shared = Arc::new(Mutex::new(Store::new(path, Config::default())));
    store::spawn_indexer(shared.clone(), Source::File)
        .expect("opens")
        .join()
        .expect("indexer finishes");
    shared
}

fn app(name: &str) -> App {
    let mut a = App::new(indexed(&sample(name)), name);
    a.wait_detail();
    a
}

fn press(a: &mut App, keys: &[KeyCode]) {
    for k in keys {
        a.on_key(key(*k));
        a.wait_detail();
    }
}

fn typed(a: &mut App, s: &str) {
    for c in s.chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    a.wait_detail();
}

/// The screen as text, one line per row (trailing spaces cut).
fn screen(a: &App, w: u16, h: u16) -> String {
    render(a, w, h).0
}

fn render(a: &App, w: u16, h: u16) -> (String, ratatui::buffer::Buffer) {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| view::draw(f, a)).expect("draws");
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    (out, buf)
}

/// The packet list's lines exactly as `wirelens packets` prints them (same texts).
fn all_samples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples"))
        .expect("samples")
        .chain(std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/real")).expect("real"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
        .collect();
    v.sort();
    v
}

/// The full pass's tree text of every frame (what `wirelens tree` prints).
fn full_pass_trees(path: &Path) -> Vec<String> {
    let mut r = FileReader::open(path).expect("opens");
    let mut e = Engine::new(Config::default());
    let mut t = Tree::new();
    let mut out = Vec::new();
    while let Ok(Some(rec)) = r.next_record() {
        let p = e.ingest(&rec);
        build_tree(&p.decoded, &p.meta, rec.data, &p.ann, &mut t);
        let mut s = String::new();
        t.render_text(&mut s, rec.data);
        out.push(s);
    }
    out
}

/// The heart of the store's design: a frame's tree rebuilt by replaying only
/// its flow equals the tree of the full pass, for every frame of every sample
/// (in order and in reverse, which defeats the replay cache). Differences
/// are allowed only where the engine links flows to each other, and each is
/// listed with its reason.
#[test]
fn replaying_a_flow_rebuilds_every_frame_as_the_full_pass_did() {
    // (file, frame) pairs whose tree depends on other flows.
    let mut differ = Vec::new();
    let mut frames = 0;
    for path in all_samples() {
        let full = full_pass_trees(&path);
        let shared = indexed(&path);
        let st = lock(&shared);
        assert_eq!(st.rows.len(), full.len(), "{}: index holds every frame", path.display());
        let mut rp = Replayer::new(&path);
        let order: Vec<usize> = (0..full.len()).chain((0..full.len()).rev()).collect();
        for i in order {
            let b = rp.frame(&st, i as u32).expect("rebuilds");
            let mut s = String::new();
            store::tree_of(&b).render_text(&mut s, &b.data);
            frames += 1;
            if s != full[i] {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if !differ.contains(&(name.clone(), i + 1)) && std::env::var("TUI_DIFF").is_ok() {
                    for (a, b) in s.lines().zip(full[i].lines()) {
                        if a != b {
                            eprintln!("{name} #{}: replay {a:?}\n   full   {b:?}", i + 1);
                        }
                    }
                }
                if !differ.contains(&(name.clone(), i + 1)) {
                    differ.push((name, i + 1));
                }
            }
        }
    }
    // Notes that link a flow to others: SYN flood alerts count half-open
    // connections across flows; DNS answers rotating their A records across
    // queries (frame 8 of dns-udp, dns-real) and the TCP retry of a
    // truncated UDP answer (dns-tc-tcp 6, dns-real 30); a new connection
    // reusing an old one's ports (port-reuse 9, 17).
    let known = [
        ("dns-udp.pcap", 8),
        ("dns-real.pcap", 8),
        ("dns-real.pcap", 30),
        ("dns-tc-tcp.pcap", 6),
        ("port-reuse.pcap", 9),
        ("port-reuse.pcap", 17),
    ];
    let allowed = |f: &str, n: usize| f == "syn-flood.pcap" || known.contains(&(f, n));
    let bad: Vec<_> = differ.iter().filter(|(f, n)| !allowed(f, *n)).collect();
    eprintln!(
        "{frames} frame rebuilds; {} differ (allowed: cross-flow notes)",
        differ.len()
    );
    assert!(bad.is_empty(), "replayed trees differ from the full pass: {bad:?}");
}

#[test]
fn index_rows_match_the_packets_command_columns() {
    let a = app("http-keepalive.pcap");
    let st = lock(&a.shared);
    assert_eq!(st.rows.len(), 34);
    let r = st.rows[3];
    assert_eq!(st.string(r.proto), "HTTP");
    assert_eq!(st.info(&r), "GET /index.html HTTP/1.1 ");
    assert_eq!(st.string(r.src), "192.0.2.10");
    // States after the SYN: client SYN-SENT, server LISTEN.
    let s0 = st.rows[0].states;
    assert_eq!(store::state_of(s0[0]).unwrap().name(), "SYN-SENT");
    assert_eq!(store::state_of(s0[1]).unwrap().name(), "LISTEN");
    assert!(st.rows[0].class & store::class::SYNFIN != 0);
    assert!(st.progress.done && st.progress.error.is_none());
    assert_eq!(st.flows.len(), 1);
}

#[test]
fn keys_move_the_selection_cycle_panes_and_open_screens() {
    let mut a = app("http-keepalive.pcap");
    assert_eq!(a.selected_frame(), Some(0));
    press(&mut a, &[KeyCode::Down, KeyCode::Char('j'), KeyCode::Char('j')]);
    assert_eq!(a.selected_frame(), Some(3));
    assert_eq!(a.detail.as_ref().map(|d| d.frame), Some(3));
    press(&mut a, &[KeyCode::Char('k')]);
    assert_eq!(a.selected_frame(), Some(2));
    press(&mut a, &[KeyCode::Char('G')]);
    assert_eq!(a.selected_frame(), Some(33));
    press(&mut a, &[KeyCode::Char('g')]);
    assert_eq!(a.selected_frame(), Some(0));
    press(&mut a, &[KeyCode::Tab]);
    assert_eq!(a.pane, Pane::Tree);
    press(&mut a, &[KeyCode::Tab, KeyCode::Tab]);
    assert_eq!(a.pane, Pane::List);
    press(&mut a, &[KeyCode::Char('l')]);
    assert_eq!(a.screen, Screen::Ladder);
    let l = a.ladder.as_ref().unwrap();
    assert_eq!(l.rows.len(), 34);
    assert_eq!(l.conn_state, "SF");
    // Moving along the ladder selects the packet.
    press(&mut a, &[KeyCode::Down, KeyCode::Down]);
    assert_eq!(a.selected_frame(), Some(2));
    press(&mut a, &[KeyCode::Char('f')]);
    assert_eq!(a.screen, Screen::Follow);
    assert!(a
        .follow
        .as_ref()
        .unwrap()
        .lines
        .iter()
        .any(|(s, l)| *s == Some(true) && l == "GET /index.html HTTP/1.1"));
    press(&mut a, &[KeyCode::Char('m')]);
    assert!(a.follow.as_ref().unwrap().messages);
    press(&mut a, &[KeyCode::Esc, KeyCode::Esc]);
    assert_eq!(a.screen, Screen::Packets);
    press(&mut a, &[KeyCode::Char('F')]);
    assert_eq!(a.screen, Screen::Flows);
    press(&mut a, &[KeyCode::Enter]);
    assert_eq!(a.screen, Screen::Ladder);
    press(&mut a, &[KeyCode::Char('?')]);
    assert_eq!(a.screen, Screen::Help);
    press(&mut a, &[KeyCode::Char('x')]);
    assert_eq!(a.screen, Screen::Ladder);
    press(&mut a, &[KeyCode::Char('q')]);
    assert!(a.quit);
}

#[test]
fn tree_keys_expand_collapse_and_remember_open_layers() {
    let mut a = app("tcp-handshake.pcap");
    press(&mut a, &[KeyCode::Tab]);
    // Frame, Ethernet, IPv4, TCP: select TCP and open it.
    press(&mut a, &[KeyCode::Down, KeyCode::Down, KeyCode::Down, KeyCode::Right]);
    let opened = a.tree_state.borrow().opened().len();
    assert_eq!(opened, 1);
    // The next frame opens its TCP node too.
    press(&mut a, &[KeyCode::BackTab, KeyCode::Down]);
    let d = a.detail.as_ref().unwrap();
    assert_eq!(d.frame, 1);
    let open: Vec<&str> = a
        .tree_state
        .borrow()
        .opened()
        .iter()
        .map(|p| d.tree.node(*p.last().unwrap()).unwrap().name)
        .collect();
    assert_eq!(open, vec!["tcp"]);
    press(&mut a, &[KeyCode::Char('+')]);
    assert!(a.tree_state.borrow().opened().len() > 5);
    press(&mut a, &[KeyCode::Char('-')]);
    assert_eq!(a.tree_state.borrow().opened().len(), 0);
}

#[test]
fn the_filter_bar_reports_errors_at_their_place_and_filters_in_the_background() {
    let mut a = app("http-keepalive.pcap");
    press(&mut a, &[KeyCode::Char('/')]);
    assert_eq!(a.prompt, Some(Prompt::Filter));
    typed(&mut a, "http.request and");
    let e = a.input_error.clone().expect("incomplete filter is an error");
    assert_eq!(e.pos, "http.request and".len());
    // Enter does not apply a bad filter: the bar stays open.
    press(&mut a, &[KeyCode::Enter]);
    assert_eq!(a.prompt, Some(Prompt::Filter));
    typed(&mut a, " tcp.srcport == 44120");
    assert!(a.input_error.is_none());
    press(&mut a, &[KeyCode::Enter]);
    assert_eq!(a.prompt, None);
    a.wait_filter();
    a.wait_detail();
    // Frames 4 8 15 18 21 23 26 33, as `packets -Y` selects.
    assert_eq!(a.shown_len(), 8, "eight requests in the capture");
    assert_eq!(a.selected_frame(), Some(3));
    press(&mut a, &[KeyCode::Char('n')]);
    assert_eq!(a.selected_frame(), Some(7));
    // All frames again, matches marked; n jumps over the others.
    press(&mut a, &[KeyCode::Char('a')]);
    assert_eq!(a.shown_len(), 34);
    assert_eq!(a.selected_frame(), Some(7));
    press(&mut a, &[KeyCode::Char('n')]);
    assert_eq!(a.selected_frame(), Some(14));
    press(&mut a, &[KeyCode::Char('N'), KeyCode::Char('N')]);
    assert_eq!(a.selected_frame(), Some(3));
    // An empty filter clears it.
    press(&mut a, &[KeyCode::Char('/')]);
    for _ in 0..60 {
        a.on_key(key(KeyCode::Backspace));
    }
    press(&mut a, &[KeyCode::Enter]);
    assert!(a.job.is_none());
    assert_eq!(a.shown_len(), 34);
}

#[test]
fn the_filter_selects_what_the_cli_selects_on_every_sample() {
    let filters = [
        "tcp.flags.syn == 1",
        "dns",
        "http.response.code >= 300",
        "tcp.analysis.retransmission",
        "arp or icmp",
    ];
    for path in all_samples() {
        for f in filters {
            let mut a = App::new(indexed(&path), "t");
            a.apply_filter(f).expect("parses");
            a.wait_filter();
            let got: Vec<u32> = (0..a.shown_len()).filter_map(|i| a.shown_frame(i)).collect();
            let expr = wirelens::filter::parse(f).unwrap();
            let mut r = FileReader::open(&path).unwrap();
            let mut e = Engine::new(Config::default());
            let mut t = Tree::new();
            let mut want = Vec::new();
            let mut i = 0;
            while let Ok(Some(rec)) = r.next_record() {
                let p = e.ingest(&rec);
                build_tree(&p.decoded, &p.meta, rec.data, &p.ann, &mut t);
                if wirelens::filter::matches(&expr, &t, rec.data) {
                    want.push(i);
                }
                i += 1;
            }
            assert_eq!(got, want, "{} with {f}", path.display());
        }
    }
}

#[test]
fn export_writes_the_flows_through_a_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app("http-keepalive.pcap");
    press(&mut a, &[KeyCode::Char('e')]);
    assert_eq!(a.prompt, Some(Prompt::Export));
    assert_eq!(a.input, "http-keepalive-flows.jsonl");
    a.input = dir.path().join("out.md").display().to_string();
    press(&mut a, &[KeyCode::Enter]);
    a.wait_export();
    let (msg, err) = a.message.clone().unwrap();
    assert_eq!(msg, format!("wrote 1 flows to {}", dir.path().join("out.md").display()));
    assert!(!err, "{msg}");
    let md = std::fs::read_to_string(dir.path().join("out.md")).unwrap();
    assert!(md.contains("192.0.2.10:44120"));
    // An unwritable place: the message says so, nothing is left behind.
    press(&mut a, &[KeyCode::Char('e')]);
    a.input = "/nonexistent-dir/x.jsonl".into();
    press(&mut a, &[KeyCode::Enter]);
    a.wait_export();
    let (msg, err) = a.message.clone().unwrap();
    assert!(err && msg.contains("/nonexistent-dir"), "{msg}");
    // With a display filter, the export holds the flows of the matches (as `flows -Y`),
    // with the full summaries (HTTP transactions included).
    let mut a = app("dns-udp.pcap");
    a.apply_filter("dns.qry.name contains \"cdn\"").unwrap();
    a.wait_filter();
    press(&mut a, &[KeyCode::Char('e')]);
    let out = dir.path().join("cdn.jsonl");
    a.input = out.display().to_string();
    press(&mut a, &[KeyCode::Enter]);
    a.wait_export();
    let got = std::fs::read_to_string(&out).unwrap();
    let (_, want, _) = {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_wirelens"))
            .args([
                "flows",
                sample("dns-udp.pcap").to_str().unwrap(),
                "-Y",
                "dns.qry.name contains \"cdn\"",
            ])
            .output()
            .unwrap();
        (0, String::from_utf8(o.stdout).unwrap(), 0)
    };
    assert_eq!(got, want);
    assert!(got.contains("\"dns\""), "{got}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn frames_without_a_flow_say_why_there_is_no_ladder() {
    let mut a = app("arp.pcap");
    press(&mut a, &[KeyCode::Char('l')]);
    assert_eq!(a.screen, Screen::Packets);
    let (m, err) = a.message.clone().unwrap();
    assert!(err && m.contains("no TCP or UDP flow"), "{m}");
}

#[test]
fn a_truncated_file_keeps_its_frames_and_shows_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(sample("http-keepalive.pcap")).unwrap();
    let cut = dir.path().join("cut.pcap");
    std::fs::write(&cut, &bytes[..bytes.len() - 100]).unwrap();
    let a = App::new(indexed(&cut), "cut.pcap");
    let st = lock(&a.shared);
    assert!(st.progress.done);
    // The last record lost its end; the one before it is whole.
    assert_eq!(st.rows.len(), 32);
    assert!(
        st.progress
            .warnings
            .iter()
            .any(|w| w.contains("cut off") || w.contains("ends")),
        "{:?}",
        st.progress.warnings
    );
    drop(st);
    let s = screen(&a, 100, 30);
    assert!(s.contains("32 packets") && s.contains("warning:"), "{s}");
}

#[test]
fn anomalies_are_coloured() {
    let a = app("rst-abort.pcap");
    let st = lock(&a.shared);
    let rst = st
        .rows
        .iter()
        .position(|r| r.class & store::class::RST != 0)
        .expect("a RST row");
    drop(st);
    let (_, buf) = render(&a, 120, 40);
    // Row 0 of the list is its header; frame i is on line i + 1.
    let cell = &buf[(10, (rst + 1) as u16)];
    assert_eq!(cell.fg, Color::LightRed);
}

/// Snapshots hide the one thing that varies from run to run: how long indexing took.
fn snap(name: &str, a: &App, w: u16, h: u16) {
    let s = screen(a, w, h);
    let re = regex::Regex::new(r"indexed in [0-9.]+ s").unwrap();
    insta::assert_snapshot!(name, re.replace_all(&s, "indexed in T s"));
}

#[test]
fn snapshots_of_every_screen() {
    let mut a = app("http-keepalive.pcap");
    snap("packets_80x24", &a, 80, 24);
    snap("packets_120x40", &a, 120, 40);
    // Tree pane focused, HTTP request frame, layers opened, a field selected:
    // the hex pane highlights its bytes.
    press(
        &mut a,
        &[
            KeyCode::Down,
            KeyCode::Down,
            KeyCode::Down,
            KeyCode::Tab,
            KeyCode::Char('+'),
        ],
    );
    press(&mut a, &[KeyCode::Down, KeyCode::Down]);
    snap("tree_and_hex_120x40", &a, 120, 40);
    press(&mut a, &[KeyCode::Char('l')]);
    snap("ladder_120x40", &a, 120, 40);
    snap("ladder_80x24", &a, 80, 24);
    press(&mut a, &[KeyCode::Char('f')]);
    snap("follow_80x24", &a, 80, 24);
    press(&mut a, &[KeyCode::Esc, KeyCode::Esc, KeyCode::Char('F')]);
    snap("flows_120x20", &a, 120, 20);
    press(&mut a, &[KeyCode::Char('?')]);
    snap("help_80x24", &a, 80, 24);
    press(&mut a, &[KeyCode::Esc, KeyCode::Esc, KeyCode::Char('/')]);
    typed(&mut a, "tcp.port == 80 and (");
    snap("filter_error_80x24", &a, 80, 24);
    // A reassembled HTTP response: the hex pane shows the reassembled bytes and their frames.
    let mut b = app("http-large-body.pcap");
    let st = lock(&b.shared);
    let resp = st
        .rows
        .iter()
        .position(|r| st.info(r).starts_with("HTTP/1.1 200"))
        .expect("response");
    drop(st);
    b.select(resp);
    b.wait_detail();
    // Frame, Ethernet, IPv4, TCP, the reassembled segments, then HTTP.
    press(&mut b, &[KeyCode::Tab, KeyCode::Char('g')]);
    press(
        &mut b,
        &[
            KeyCode::Down,
            KeyCode::Down,
            KeyCode::Down,
            KeyCode::Down,
            KeyCode::Down,
        ],
    );
    let d = b.detail.as_ref().unwrap();
    assert_eq!(d.tree.node(b.selected_node().unwrap()).unwrap().name, "http");
    snap("reassembled_hex_100x30", &b, 100, 30);
}

#[test]
fn ctrl_c_quits_even_while_typing_a_filter() {
    let mut a = app("udp.pcap");
    press(&mut a, &[KeyCode::Char('/')]);
    a.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(a.quit);
}

#[test]
fn with_a_filter_the_flow_list_keeps_the_flows_of_matching_frames() {
    let mut a = app("dns-udp.pcap");
    press(&mut a, &[KeyCode::Char('F')]);
    let all = view_flow_count(&a);
    assert!(all > 3, "{all}");
    a.apply_filter("dns.qry.name contains \"cdn\"").unwrap();
    a.wait_filter();
    let n = a.shown_len();
    let st = lock(&a.shared);
    let mut groups: Vec<u32> = (0..n)
        .filter_map(|i| a.shown_frame_in(&st, i))
        .map(|f| st.rows[f as usize].group)
        .collect();
    groups.sort();
    groups.dedup();
    drop(st);
    assert_eq!(view_flow_count(&a), groups.len());
    assert!(groups.len() < all);
}

fn view_flow_count(a: &App) -> usize {
    wirelens::ui::app::flow_rows(a, &lock(&a.shared)).len()
}

#[test]
fn the_mouse_selects_rows_and_the_wheel_scrolls() {
    use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut a = app("http-keepalive.pcap");
    // Drawing tells the app where the panes are.
    render(&a, 120, 40);
    let at = |kind, column, row| MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    // Line 0 is the header: line 5 is frame 5.
    a.on_mouse(at(MouseEventKind::Down(MouseButton::Left), 20, 5));
    a.wait_detail();
    assert_eq!(a.selected_frame(), Some(4));
    a.on_mouse(at(MouseEventKind::ScrollDown, 20, 5));
    assert_eq!(a.selected_frame(), Some(7));
    // A click in the tree focuses it.
    let tree = a.areas.tree.get();
    a.on_mouse(at(MouseEventKind::Down(MouseButton::Left), 5, tree.y + 2));
    assert_eq!(a.pane, Pane::Tree);
}

#[test]
fn while_indexing_the_status_bar_shows_a_progress_bar() {
    let mut st = Store::new(&sample("udp.pcap"), Config::default());
    st.progress.file_len = Some(2_000_000);
    st.progress.bytes_read = 1_000_000;
    st.progress.started = Some(std::time::Instant::now());
    let a = App::new(Arc::new(Mutex::new(st)), "big.pcap");
    let s = screen(&a, 100, 24);
    assert!(s.contains("indexing [█████░░░░░] 50% 0 pkts"), "{s}");
    assert!(s.contains("reading…"), "{s}");
}

/// A capture of one long TCP connection: handshake, `n` data segments from
/// the server each ACKed by the client, teardown.
fn long_flow(path: &Path, n: u32) {
    use wirelens::capture::{PcapWriter, Timestamp, WriteFormat};
    let mut w = PcapWriter::create(path, WriteFormat::Pcap { nanos: false }, 1, 65535).unwrap();
    let (c, s) = ([10, 0, 0, 1], [10, 0, 0, 2]);
    let mut t = 0u32;
    let mut put = |from_client: bool, seq: u32, ack: u32, flags: &str, payload: &[u8]| {
        let (src, dst, sp, dp) = if from_client {
            (c, s, 40000, 80)
        } else {
            (s, c, 80, 40000)
        };
        let buf = common::tcp_frame(
            src,
            sp,
            dst,
            dp,
            seq,
            flags.contains('A').then_some(ack),
            flags,
            payload,
        );
        t += 1;
        w.write_packet(Timestamp::new(1_700_000_000, t * 1000), buf.len() as u32, 1, &buf)
            .unwrap();
    };
    put(true, 1000, 0, "S", &[]);
    put(false, 5000, 1001, "SA", &[]);
    put(true, 1001, 5001, "A", &[]);
    let chunk = [b'x'; 100];
    for i in 0..n {
        put(false, 5001 + i * 100, 1001, "A", &chunk);
        put(true, 1001, 5001 + (i + 1) * 100, "A", &[]);
    }
    let end = 5001 + n * 100;
    put(true, 1001, end, "FA", &[]);
    put(false, end, 1002, "FA", &[]);
    put(true, 1002, end + 1, "A", &[]);
    w.finish().unwrap();
}

/// The ladder and follow screens of a long flow are built on a thread that
/// reports its progress and can be cancelled; the tree of its last packet
/// too (with the progress shown in the tree pane meanwhile).
#[test]
fn long_flows_are_replayed_off_the_ui_thread_with_progress_and_cancel() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.pcap");
    long_flow(&path, 3000);
    let shared = indexed(&path);
    let st = lock(&shared);
    assert_eq!(st.rows.len(), 6006);
    let cx = wirelens::ui::flowviews::FlowCtx::of(&st, st.rows[0].group).unwrap();
    drop(st);
    // Cancelled at the first progress report.
    let mut seen = Vec::new();
    let r = wirelens::ui::flowviews::ladder(&mut Replayer::new(&path), &cx, |d, t| {
        seen.push((d, t));
        false
    });
    assert_eq!(r.err().as_deref(), Some("cancelled"));
    assert_eq!(seen, vec![(1024, 6006)]);
    // Run to the end: every arrow, the teardown's states.
    let mut reports = 0;
    let l = wirelens::ui::flowviews::ladder(&mut Replayer::new(&path), &cx, |_, _| {
        reports += 1;
        true
    })
    .unwrap();
    assert_eq!(reports, 5);
    assert_eq!(l.rows.len(), 6006);
    assert_eq!(l.conn_state, "SF");
    assert_eq!(
        l.rows.last().unwrap().states.map(|(c, s)| (c.name(), s.name())),
        Some(("TIME-WAIT", "CLOSED"))
    );
    // Through the app: `l` and `f` end on their screens, `G` builds the last packet's tree.
    let mut a = App::new(shared, "long.pcap");
    a.wait_detail();
    press(&mut a, &[KeyCode::Char('G')]);
    assert_eq!(a.detail.as_ref().map(|d| d.frame), Some(6005));
    press(&mut a, &[KeyCode::Char('l')]);
    assert_eq!(a.screen, Screen::Ladder);
    assert_eq!(
        a.ladder.as_ref().unwrap().sel,
        6005,
        "the ladder starts on the selected packet"
    );
    press(&mut a, &[KeyCode::Char('f')]);
    assert_eq!(a.screen, Screen::Follow);
    assert_eq!(
        a.follow.as_ref().unwrap().lines.len(),
        3000 * 100 / 100,
        "one line of x per segment"
    );
}
