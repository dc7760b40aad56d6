//! The wirelens command line: parse arguments, call one library entry.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use wirelens::commands::{self, FlowRef, FlowsOpts, FollowFormat, FollowOpts, PacketsFormat, PacketsOpts, TreeOpts};
use wirelens::engine::Config;
use wirelens::export::Format;

#[derive(Parser)]
#[command(
    name = "wirelens",
    version,
    about = "Packet capture and protocol dissector that explains TCP connections"
)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    /// A pcap or pcapng file to open in the terminal UI
    #[arg(value_name = "FILE", required = true)]
    file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Cmd {
    /// One line per frame like tshark (or tab-separated fields with -T fields -e FIELD)
    Packets {
        /// A pcap or pcapng file ("-" reads standard input)
        #[arg(value_name = "FILE", required_unless_present = "read")]
        file: Option<PathBuf>,
        /// The capture file, as tshark's -r
        #[arg(short = 'r', value_name = "FILE")]
        read: Option<PathBuf>,
        /// Stop after N frames
        #[arg(short = 'c', value_name = "N")]
        count: Option<u64>,
        /// Output format: "fields" prints the -e fields tab-separated
        #[arg(short = 'T', value_name = "FORMAT", value_parser = ["fields", "text"])]
        format: Option<String>,
        /// A field to print with -T fields (Wireshark names: ip.src, tcp.flags.syn, ...); repeat for more
        #[arg(short = 'e', value_name = "FIELD")]
        fields: Vec<String>,
        /// Field output options as tshark's: header=y, separator=/t|/s|C, aggregator=C, occurrence=a|f|l|N
        #[arg(short = 'E', value_name = "OPTION")]
        options: Vec<String>,
        /// Display filter in Wireshark's language, e.g. 'dns', 'tcp.port == 80 && ip.addr == 10.0.0.0/8'
        #[arg(short = 'Y', value_name = "FILTER")]
        display_filter: Option<String>,
        #[command(flatten)]
        tcp: TcpArgs,
    },
    /// The full dissection tree of each frame, like tshark -V (or JSON lines with --json)
    Tree {
        #[arg(value_name = "FILE", required_unless_present = "read")]
        file: Option<PathBuf>,
        #[arg(short = 'r', value_name = "FILE")]
        read: Option<PathBuf>,
        /// Stop after N frames
        #[arg(short = 'c', value_name = "N")]
        count: Option<u64>,
        /// Only this frame (1-based)
        #[arg(long, value_name = "N")]
        frame: Option<u64>,
        /// One JSON object per frame per line, every node with name, label, value, offset, length, children
        #[arg(long)]
        json: bool,
        /// Display filter in Wireshark's language, e.g. 'http.response.code >= 400'
        #[arg(short = 'Y', value_name = "FILTER")]
        display_filter: Option<String>,
        #[command(flatten)]
        tcp: TcpArgs,
    },
    /// One annotated summary per flow: states, TIME-WAIT, conn_state, history, anomalies
    Flows {
        #[arg(value_name = "FILE", required_unless_present = "read")]
        file: Option<PathBuf>,
        #[arg(short = 'r', value_name = "FILE")]
        read: Option<PathBuf>,
        /// jsonl, csv, md (a readable report with ladders) or zeek (conn.log TSV for zeek-cut)
        #[arg(long, default_value = "jsonl", value_parser = ["jsonl", "csv", "md", "zeek"])]
        format: String,
        /// Write to this file (through a temporary file renamed when complete) instead of stdout
        #[arg(short = 'o', value_name = "OUT")]
        out: Option<PathBuf>,
        /// Stop after N frames
        #[arg(short = 'c', value_name = "N")]
        count: Option<u64>,
        /// Only the flows with at least one frame passing this display filter, e.g. 'http.response.code >= 400'
        #[arg(short = 'Y', value_name = "FILTER")]
        display_filter: Option<String>,
        #[command(flatten)]
        tcp: TcpArgs,
    },
    /// The terminal UI on a saved capture (also: `wirelens FILE`)
    Open {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Apply this display filter at start
        #[arg(short = 'Y', value_name = "FILTER")]
        display_filter: Option<String>,
        #[command(flatten)]
        tcp: TcpArgs,
    },
    /// The reassembled payload of one flow, both directions in order, gaps marked
    Follow {
        #[arg(value_name = "FILE", required_unless_present = "read")]
        file: Option<PathBuf>,
        #[arg(short = 'r', value_name = "FILE")]
        read: Option<PathBuf>,
        /// The flow: N or tcp:N for TCP stream N (tcp.stream), udp:N for UDP stream N
        #[arg(long, value_name = "FLOW")]
        flow: String,
        /// ascii, hex, raw, or messages (HTTP, WebSocket and DNS messages one by one, with what they teach)
        #[arg(long, default_value = "ascii", value_parser = ["ascii", "hex", "raw", "messages"])]
        format: String,
        #[command(flatten)]
        tcp: TcpArgs,
    },
    /// Capture live from an interface (needs root or the capture capabilities; drops them before parsing)
    Sniff {
        /// The interface (`wirelens interfaces` lists them; `any` captures on all)
        #[arg(short = 'i', value_name = "IFACE")]
        iface: String,
        /// Capture filter in BPF syntax, compiled by libpcap (e.g. 'tcp port 80')
        #[arg(short = 'f', value_name = "BPF")]
        filter: Option<String>,
        /// Bytes kept of each packet
        #[arg(short = 's', value_name = "SNAPLEN", default_value_t = 262144)]
        snaplen: u32,
        /// Do not put the interface in promiscuous mode
        #[arg(short = 'p')]
        no_promisc: bool,
        /// Stop after N packets
        #[arg(short = 'c', value_name = "N")]
        count: Option<u64>,
        /// Stop after SECS seconds
        #[arg(long, value_name = "SECS")]
        duration: Option<f64>,
        /// Save every captured packet to OUT (.pcapng for pcapng, else pcap), whatever is shown
        #[arg(short = 'w', value_name = "OUT")]
        write: Option<PathBuf>,
        /// Print one line per packet instead of the terminal UI
        #[arg(long)]
        no_tui: bool,
        /// With --no-tui: print the flow summaries at the end (in --format) instead of packet lines
        #[arg(long)]
        flows: bool,
        /// Format of --flows: jsonl, csv, md or zeek
        #[arg(long, default_value = "jsonl", value_parser = ["jsonl", "csv", "md", "zeek"])]
        format: String,
        /// Become this user after opening the interface (default: the user who ran sudo, else nobody)
        #[arg(long, value_name = "USER")]
        user: Option<String>,
        /// Most MiB of packets waiting for the engine; beyond, packets are dropped and counted
        #[arg(long, value_name = "MIB", default_value_t = 256)]
        queue_mib: usize,
        #[command(flatten)]
        tcp: TcpArgs,
    },
    /// Capture devices with their addresses and flags, and whether they can be captured
    Interfaces,
}

/// TCP engine settings shared by the commands.
#[derive(clap::Args, Clone, Debug)]
struct TcpArgs {
    /// Maximum segment lifetime in seconds; TIME-WAIT lasts 2*MSL (default 30: Linux's 60 s TIME-WAIT; RFC 793's MSL is 120)
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    msl: f64,
}

impl TcpArgs {
    fn msl_ns(&self) -> i64 {
        (self.msl.max(0.0) * 1e9) as i64
    }
    fn config(&self) -> Config {
        Config {
            msl_ns: self.msl_ns(),
            ..Config::default()
        }
    }
}

/// Parses `-Y`; a bad filter is shown with a caret under the spot (exit 2).
fn parse_filter(f: Option<String>) -> Result<Option<wirelens::filter::Expr>, ExitCode> {
    match f.as_deref().map(wirelens::filter::parse) {
        None => Ok(None),
        Some(Ok(e)) => Ok(Some(e)),
        Some(Err(e)) => {
            eprintln!("wirelens: {e}");
            Err(ExitCode::from(2))
        }
    }
}

fn file_arg(file: Option<PathBuf>, read: Option<PathBuf>) -> PathBuf {
    read.or(file).unwrap_or_else(|| PathBuf::from("-"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let cmd = match (cli.cmd, cli.file) {
        (Some(c), _) => c,
        (None, Some(file)) => Cmd::Open {
            file,
            display_filter: None,
            tcp: TcpArgs { msl: 30.0 },
        },
        (None, None) => {
            eprintln!("wirelens: give a capture file to open, or a command (wirelens --help lists them)");
            return ExitCode::from(2);
        }
    };
    let status = match cmd {
        Cmd::Open {
            file,
            display_filter,
            tcp,
        } => wirelens::ui::open(&file, tcp.config(), display_filter.as_deref()),
        Cmd::Packets {
            file,
            read,
            count,
            format,
            fields,
            options,
            display_filter,
            tcp,
        } => {
            let filter = match parse_filter(display_filter) {
                Ok(f) => f,
                Err(c) => return c,
            };
            let format = match format.as_deref() {
                Some("fields") => {
                    if fields.is_empty() {
                        eprintln!("wirelens: -T fields needs at least one -e FIELD (e.g. -e ip.src -e tcp.srcport)");
                        return ExitCode::from(2);
                    }
                    PacketsFormat::Fields(fields)
                }
                _ => {
                    if !fields.is_empty() {
                        eprintln!("wirelens: -e FIELD needs -T fields");
                        return ExitCode::from(2);
                    }
                    PacketsFormat::Lines
                }
            };
            let field_opts = match wirelens::output::FieldOpts::parse(&options) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("wirelens: {e}");
                    return ExitCode::from(2);
                }
            };
            commands::packets(&PacketsOpts {
                file: file_arg(file, read),
                count,
                format,
                field_opts,
                msl_ns: tcp.msl_ns(),
                filter,
            })
        }
        Cmd::Tree {
            file,
            read,
            count,
            frame,
            json,
            display_filter,
            tcp,
        } => {
            let filter = match parse_filter(display_filter) {
                Ok(f) => f,
                Err(c) => return c,
            };
            commands::tree(&TreeOpts {
                file: file_arg(file, read),
                count,
                frame,
                json,
                msl_ns: tcp.msl_ns(),
                filter,
            })
        }
        Cmd::Flows {
            file,
            read,
            format,
            out,
            count,
            display_filter,
            tcp,
        } => {
            let filter = match parse_filter(display_filter) {
                Ok(f) => f,
                Err(c) => return c,
            };
            let format = Format::parse(&format).unwrap_or(Format::Jsonl);
            commands::flows(&FlowsOpts {
                file: file_arg(file, read),
                format,
                out,
                count,
                cfg: tcp.config(),
                filter,
            })
        }
        Cmd::Follow {
            file,
            read,
            flow,
            format,
            tcp,
        } => {
            let Some(flow) = FlowRef::parse(&flow) else {
                eprintln!("wirelens: --flow takes N, tcp:N or udp:N (the stream numbers `wirelens flows` prints as id), not {flow:?}");
                return ExitCode::from(2);
            };
            let format = match format.as_str() {
                "hex" => FollowFormat::Hex,
                "raw" => FollowFormat::Raw,
                "messages" => FollowFormat::Messages,
                _ => FollowFormat::Ascii,
            };
            commands::follow(&FollowOpts {
                file: file_arg(file, read),
                flow,
                format,
                cfg: tcp.config(),
            })
        }
        Cmd::Sniff {
            iface,
            filter,
            snaplen,
            no_promisc,
            count,
            duration,
            write,
            no_tui,
            flows,
            format,
            user,
            queue_mib,
            tcp,
        } => wirelens::sniff::sniff(&wirelens::sniff::SniffOpts {
            live: wirelens::capture::live::LiveOpts {
                iface,
                filter,
                snaplen,
                promisc: !no_promisc,
                ..Default::default()
            },
            count,
            duration,
            write,
            flows: flows.then(|| Format::parse(&format).unwrap_or(Format::Jsonl)),
            user,
            cfg: tcp.config(),
            queue_bytes: queue_mib.saturating_mul(1 << 20),
            tui: !no_tui && !flows,
        }),
        Cmd::Interfaces => wirelens::sniff::interfaces(),
    };
    ExitCode::from(status.code())
}
