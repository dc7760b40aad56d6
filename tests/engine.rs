//! Engine tests on packet sequences built with etherparse: flows, caps and
//! what happens when memory bounds are reached.

mod common;

use wirelens::capture::{Record, Timestamp};
use wirelens::engine::{Config, Engine};

struct Pkt {
    data: Vec<u8>,
    ms: i64,
}

#[allow(clippy::too_many_arguments)]
fn tcp(
    src: [u8; 4],
    sport: u16,
    dst: [u8; 4],
    dport: u16,
    seq: u32,
    ack: Option<u32>,
    flags: &str,
    payload: &[u8],
    ms: i64,
) -> Pkt {
    let data = common::tcp_frame(src, sport, dst, dport, seq, ack, flags, payload);
    Pkt { data, ms }
}

fn feed(e: &mut Engine, pkts: &[Pkt]) -> Vec<wirelens::engine::Processed> {
    pkts.iter()
        .map(|p| {
            let rec = Record {
                ts: Timestamp::new(1_767_225_600 + p.ms / 1000, ((p.ms % 1000) * 1_000_000) as u32),
                caplen: p.data.len() as u32,
                origlen: p.data.len() as u32,
                linktype: 1,
                iface: 0,
                offset: 0,
                data: &p.data,
                comments: Vec::new(),
                flags: None,
            };
            e.ingest(&rec)
        })
        .collect()
}

const C: [u8; 4] = [192, 0, 2, 10];
const S: [u8; 4] = [198, 51, 100, 20];

#[test]
fn streams_are_numbered_in_order_of_appearance_per_protocol() {
    let mut e = Engine::default();
    let out = feed(
        &mut e,
        &[
            tcp(C, 1000, S, 80, 1, None, "S", b"", 0),
            tcp(C, 1001, S, 80, 1, None, "S", b"", 1),
            tcp(S, 80, C, 1000, 9, Some(2), "SA", b"", 2),
        ],
    );
    let ids: Vec<_> = out.iter().map(|p| p.flow).collect();
    assert_eq!(ids, vec![Some(("tcp", 0)), Some(("tcp", 1)), Some(("tcp", 0))]);
    let flows = e.finish();
    assert_eq!(flows.len(), 2);
    assert_eq!(flows[0].conn_state, "S1");
    assert_eq!(flows[1].conn_state, "S0");
}

#[test]
fn the_live_flow_cap_evicts_the_longest_idle_flow_and_says_so() {
    let mut e = Engine::new(Config {
        max_flows: 3,
        ..Config::default()
    });
    let pkts: Vec<Pkt> = (0..10u16)
        .map(|i| tcp(C, 2000 + i, S, 80, 1, None, "S", b"", i64::from(i)))
        .collect();
    feed(&mut e, &pkts);
    assert!(e.live_flows() <= 3);
    assert_eq!(e.evicted, 7);
    let early = e.take_finished();
    assert_eq!(early.len(), 7);
    assert!(early.iter().all(|f| f.end == "evicted"));
    assert_eq!(early[0].client, "192.0.2.10:2000", "the oldest went first");
}

#[test]
fn the_global_hold_cap_makes_a_flow_give_up_its_gaps() {
    let mut e = Engine::new(Config {
        held_total: 3000,
        ..Config::default()
    });
    let mut pkts = vec![
        tcp(C, 3000, S, 80, 100, None, "S", b"", 0),
        tcp(S, 80, C, 3000, 500, Some(101), "SA", b"", 1),
        tcp(C, 3000, S, 80, 101, Some(501), "A", b"", 2),
    ];
    // A hole at 101, then segments beyond it pile up.
    for i in 0..5u32 {
        pkts.push(tcp(
            C,
            3000,
            S,
            80,
            1101 + i * 1000,
            Some(501),
            "A",
            &[b'x'; 1000],
            3 + i64::from(i),
        ));
    }
    let out = feed(&mut e, &pkts);
    assert_eq!(e.held_cap_hits, 1);
    let delivered: usize = out
        .iter()
        .flat_map(|p| p.pieces.iter())
        .map(|(_, p)| match p {
            wirelens::tcp::reasm::Piece::Data { bytes, .. } => bytes.len(),
            _ => 0,
        })
        .sum();
    assert!(delivered >= 3000, "held data was released after the gap: {delivered}");
    let f = &e.finish()[0];
    assert_eq!(f.anomalies.get("wirelens.tcp.reassembly_cap"), Some(&1));
    assert_eq!(f.missing_bytes, 1000);
}

#[test]
fn a_new_syn_inside_time_wait_is_port_reuse_in_a_new_flow() {
    let mut e = Engine::default();
    let pkts = [
        tcp(C, 4000, S, 80, 100, None, "S", b"", 0),
        tcp(S, 80, C, 4000, 500, Some(101), "SA", b"", 10),
        tcp(C, 4000, S, 80, 101, Some(501), "A", b"", 20),
        tcp(C, 4000, S, 80, 101, Some(501), "FA", b"", 30),
        tcp(S, 80, C, 4000, 501, Some(102), "FA", b"", 40),
        tcp(C, 4000, S, 80, 102, Some(502), "A", b"", 50),
        tcp(C, 4000, S, 80, 90_000, None, "S", b"", 5_050),
    ];
    let out = feed(&mut e, &pkts);
    assert_eq!(out[6].flow, Some(("tcp", 1)));
    assert!(out[6]
        .ann
        .info_prefix
        .as_deref()
        .unwrap_or("")
        .contains("TCP Port numbers reused"));
    let first = e.take_finished();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].end, "port_reuse");
    assert_eq!(first[0].time_wait.as_ref().unwrap().side, "client");
    let second = e.finish();
    assert!((second[0].reused_after_s.unwrap() - 5.0).abs() < 1e-6);
}
