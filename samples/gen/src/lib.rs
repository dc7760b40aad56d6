//! Generator of wirelens's bundled sample captures (`samples/*.pcap`,
//! `samples/*.pcapng`).
//!
//! Every sample is a short story a networking student would recognise, made
//! of fixed bytes: documentation addresses (192.0.2.0/24, 198.51.100.0/24,
//! 203.0.113.0/24, 2001:db8::/32), locally administered MACs
//! (02:00:00:...), and timestamps counted from 2026-01-01T00:00:00Z. So
//! [`generate`] writes byte-identical files on every run, and the committed
//! samples can be re-made by anyone (`cargo run -p wirelens-samplegen`).
//! Well-formed packets are built with etherparse's `PacketBuilder`; the
//! crafted and broken ones with the helpers in [`craft`]. The files are
//! written with wirelens's own [`PcapWriter`]; the pcapng blocks it cannot
//! write (a section comment, a Name Resolution Block, Interface Statistics
//! Blocks) are spliced in by [`pcapng`].

use std::error::Error;
use std::path::{Path, PathBuf};

use wirelens::capture::{PcapWriter, WriteFormat};

pub mod craft;
pub mod pcapng;

pub mod appkit;
mod arp;
mod dns;
pub mod dnsmsg;
mod http;
mod icmp;
mod ipv4;
mod ipv6;
mod linktypes;
mod malformed;
mod tcp;
mod tcp_close;
mod tcp_data;
mod tcp_open;
pub mod tcpkit;
mod tunnels;
mod udp;
mod vlan;
mod websocket;

use craft::{ts, Frame};

/// Snap length written in the pcap headers.
pub const SNAPLEN: u32 = 262_144;

// Link types.
pub const LINKTYPE_NULL: u32 = 0;
pub const LINKTYPE_ETHERNET: u32 = 1;
pub const LINKTYPE_RAW: u32 = 101;
pub const LINKTYPE_LINUX_SLL: u32 = 113;

/// A classic pcap sample.
pub struct Sample {
    pub file: &'static str,
    pub linktype: u32,
    pub frames: Vec<Frame>,
}

/// The classic pcap samples, in the order of samples/README.md.
pub fn pcap_samples() -> Vec<Sample> {
    let s = |file, linktype, frames| Sample { file, linktype, frames };
    vec![
        s("arp.pcap", LINKTYPE_ETHERNET, arp::frames()),
        s("vlan.pcap", LINKTYPE_ETHERNET, vlan::frames()),
        s("ipv4.pcap", LINKTYPE_ETHERNET, ipv4::frames()),
        s("ipv6.pcap", LINKTYPE_ETHERNET, ipv6::frames()),
        s("icmp.pcap", LINKTYPE_ETHERNET, icmp::frames()),
        s("udp.pcap", LINKTYPE_ETHERNET, udp::frames()),
        s("tcp-handshake.pcap", LINKTYPE_ETHERNET, tcp::frames()),
        s("client-close.pcap", LINKTYPE_ETHERNET, tcp_close::client_close()),
        s("server-close.pcap", LINKTYPE_ETHERNET, tcp_close::server_close()),
        s(
            "simultaneous-close.pcap",
            LINKTYPE_ETHERNET,
            tcp_close::simultaneous_close(),
        ),
        s("half-close.pcap", LINKTYPE_ETHERNET, tcp_close::half_close()),
        s("fin-retransmit.pcap", LINKTYPE_ETHERNET, tcp_close::fin_retransmit()),
        s("rst-time-wait.pcap", LINKTYPE_ETHERNET, tcp_close::rst_time_wait()),
        s("rst-abort.pcap", LINKTYPE_ETHERNET, tcp_data::rst_abort()),
        s("refused.pcap", LINKTYPE_ETHERNET, tcp_open::refused()),
        s("port-reuse.pcap", LINKTYPE_ETHERNET, tcp_open::port_reuse()),
        s(
            "simultaneous-open.pcap",
            LINKTYPE_ETHERNET,
            tcp_open::simultaneous_open(),
        ),
        s("syn-flood.pcap", LINKTYPE_ETHERNET, tcp_open::syn_flood()),
        s("retransmission.pcap", LINKTYPE_ETHERNET, tcp_data::retransmission()),
        s("zero-window.pcap", LINKTYPE_ETHERNET, tcp_data::zero_window()),
        s("keepalive.pcap", LINKTYPE_ETHERNET, tcp_data::keepalive()),
        s("midstream.pcap", LINKTYPE_ETHERNET, tcp_data::midstream()),
        s("malformed.pcap", LINKTYPE_ETHERNET, malformed::frames()),
        s("sll.pcap", LINKTYPE_LINUX_SLL, linktypes::sll()),
        s("null.pcap", LINKTYPE_NULL, linktypes::null()),
        s("raw.pcap", LINKTYPE_RAW, linktypes::raw()),
        s("tunnels.pcap", LINKTYPE_ETHERNET, tunnels::frames()),
        s("dns-udp.pcap", LINKTYPE_ETHERNET, dns::udp()),
        s("dns-malformed.pcap", LINKTYPE_ETHERNET, dns::malformed()),
        s("dns-tc-tcp.pcap", LINKTYPE_ETHERNET, dns::tc_tcp()),
        s("http-keepalive.pcap", LINKTYPE_ETHERNET, http::keepalive()),
        s("http-caching.pcap", LINKTYPE_ETHERNET, http::caching()),
        s("http-pipelining.pcap", LINKTYPE_ETHERNET, http::pipelining()),
        s("http-cors.pcap", LINKTYPE_ETHERNET, http::cors()),
        s("http-polling.pcap", LINKTYPE_ETHERNET, http::polling()),
        s("http-sse.pcap", LINKTYPE_ETHERNET, http::sse()),
        s("http-large-body.pcap", LINKTYPE_ETHERNET, http::large_body()),
        s("websocket.pcap", LINKTYPE_ETHERNET, websocket::session()),
        s("websocket-deflate.pcap", LINKTYPE_ETHERNET, websocket::deflate()),
        s("websocket-violations.pcap", LINKTYPE_ETHERNET, websocket::violations()),
    ]
}

/// Names of every file [`generate`] writes.
pub fn sample_files() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = pcap_samples().iter().map(|s| s.file).collect();
    v.push(pcapng::FILE);
    v
}

/// The repository's samples/ directory (the default output directory).
pub fn default_outdir() -> PathBuf {
    let gen = Path::new(env!("CARGO_MANIFEST_DIR"));
    gen.parent().unwrap_or(gen).to_path_buf()
}

/// Writes one classic pcap (microsecond timestamps) sample into `outdir`.
pub fn write_pcap(outdir: &Path, sample: &Sample) -> Result<u64, Box<dyn Error>> {
    let path = outdir.join(sample.file);
    let mut w = PcapWriter::create(&path, WriteFormat::Pcap { nanos: false }, sample.linktype, SNAPLEN)?;
    for f in &sample.frames {
        w.write_packet(ts(f.us), f.origlen(), sample.linktype, &f.data)?;
    }
    Ok(w.finish()?)
}

/// Re-makes every sample in `outdir`; returns (file name, frames) of each.
pub fn generate(outdir: &Path) -> Result<Vec<(&'static str, u64)>, Box<dyn Error>> {
    std::fs::create_dir_all(outdir)?;
    let mut done = Vec::new();
    for s in pcap_samples() {
        let n = write_pcap(outdir, &s).map_err(|e| format!("{}: {e}", s.file))?;
        done.push((s.file, n));
    }
    let n = pcapng::write(outdir).map_err(|e| format!("{}: {e}", pcapng::FILE))?;
    done.push((pcapng::FILE, n));
    Ok(done)
}
