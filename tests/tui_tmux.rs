//! The real binary in a real terminal (tmux): open a sample, move, expand the
//! tree, filter, open the ladder of a flow and read its states, quit, and
//! check the terminal came back (main screen, cursor, cooked mode). Needs
//! tmux; without it the test says SKIP and passes, unless
//! WIRELENS_TMUX_TEST=require (CI sets it and installs tmux).

mod common;

use common::tmux::{self, Tmux};
use common::{root, wirelens};

fn skip(why: &str) {
    if std::env::var("WIRELENS_TMUX_TEST").is_ok_and(|v| v == "require") {
        panic!("tmux test required but cannot run: {why}");
    }
    eprintln!("SKIP: tui_tmux: {why}");
}

#[test]
fn the_tui_opens_moves_filters_draws_the_ladder_and_restores_the_terminal() {
    if !tmux::available() {
        return skip("tmux not found");
    }
    let t = match Tmux::new("tui", 80, 24) {
        Ok(t) => t,
        Err(e) => return skip(&e),
    };
    let sample = root().join("samples/http-keepalive.pcap");
    t.run(&format!("{} {}; echo EXIT:$?", wirelens(), sample.display()));
    let s = t.expect("the packet list", |s| {
        s.contains("GET /index.html") && s.contains("indexed in")
    });
    assert!(s.contains("34 packets"), "{s}");
    assert_eq!(t.pane("#{alternate_on}"), "1", "the TUI uses the alternate screen");
    // Down twice: frame 3 is selected and its tree shown.
    t.keys(&["j", "Down"]);
    t.expect("frame 3's tree", |s| s.contains("Frame 3 details"));
    // Into the tree, open everything.
    t.keys(&["Tab", "+"]);
    t.expect("the expanded tree", |s| {
        s.contains("Interface id: 0") && s.contains("Link type: Ethernet")
    });
    // A display filter: the FIN segments.
    t.keys(&["Tab", "Tab", "/"]);
    t.text("tcp.flags.fin == 1");
    t.keys(&["Enter"]);
    let s = t.expect("the filtered list", |s| s.contains("2/34 shown"));
    assert!(!s.contains("GET /index.html"), "{s}");
    // The ladder of the selected FIN's connection, with the teardown's states.
    t.keys(&["l"]);
    let s = t.expect("the ladder", |s| {
        s.contains("TCP stream 0") && s.contains("TIME-WAIT on the")
    });
    assert!(
        s.contains("FIN-1") || s.contains("FIN-WAIT-1"),
        "the ladder shows FIN-WAIT-1:\n{s}"
    );
    assert!(s.contains("[FIN, ACK]"), "{s}");
    assert!(s.contains("conn_state SF"), "{s}");
    // Back, help, back, quit.
    t.keys(&["Escape", "?"]);
    t.expect("the help", |s| {
        s.contains("Colours of the packet list") || s.contains("Keys")
    });
    t.keys(&["Escape", "q"]);
    t.expect("the shell after quitting", |s| s.contains("EXIT:0"));
    assert_eq!(t.pane("#{alternate_on}"), "0", "back on the main screen");
    assert_eq!(t.pane("#{cursor_flag}"), "1", "the cursor is shown again");
    assert_eq!(t.pane("#{mouse_any_flag}"), "0", "mouse reporting is off again");
    // Cooked mode: stty reports canonical input and echo.
    t.run("stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ' '; echo STTY");
    let s = t.expect("stty", |s| s.contains("icanon echo STTY"));
    assert!(s.contains("icanon echo STTY"), "{s}");
}

#[test]
fn a_missing_file_is_reported_before_the_screen_changes() {
    if !tmux::available() {
        return skip("tmux not found");
    }
    let t = match Tmux::new("tuimiss", 80, 24) {
        Ok(t) => t,
        Err(e) => return skip(&e),
    };
    t.run(&format!("{} /nonexistent/x.pcap; echo EXIT:$?", wirelens()));
    let s = t.expect("the error", |s| s.contains("EXIT:1"));
    assert!(s.contains("cannot open") || s.contains("No such file"), "{s}");
    assert_eq!(t.pane("#{alternate_on}"), "0");
}

#[test]
fn a_panic_still_restores_the_terminal() {
    if !tmux::available() {
        return skip("tmux not found");
    }
    let t = match Tmux::new("tuipanic", 80, 24) {
        Ok(t) => t,
        Err(e) => return skip(&e),
    };
    let sample = root().join("samples/tcp-handshake.pcap");
    t.run(&format!(
        "WIRELENS_TEST_PANIC=1 {} {}; echo EXIT:$?",
        wirelens(),
        sample.display()
    ));
    let s = t.expect("the panic message on the main screen", |s| s.contains("EXIT:101"));
    assert!(s.contains("panicking after the first screen"), "{s}");
    assert_eq!(t.pane("#{alternate_on}"), "0");
    assert_eq!(t.pane("#{cursor_flag}"), "1");
    assert_eq!(t.pane("#{mouse_any_flag}"), "0");
    t.run("stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ' '; echo STTY");
    t.expect("cooked mode", |s| s.contains("icanon echo STTY"));
}
