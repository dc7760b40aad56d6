//! The wirelens command line: parse arguments, call one library entry.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use wirelens::commands::{self, PacketsFormat, PacketsOpts, TreeOpts};

#[derive(Parser)]
#[command(name = "wirelens", version, about = "Packet capture and protocol dissector that explains TCP connections")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
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
        /// Field output options as tshark's: header=y prints the field names first
        #[arg(short = 'E', value_name = "OPTION")]
        options: Vec<String>,
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
    },
}

fn file_arg(file: Option<PathBuf>, read: Option<PathBuf>) -> PathBuf {
    read.or(file).unwrap_or_else(|| PathBuf::from("-"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let status = match cli.cmd {
        Cmd::Packets { file, read, count, format, fields, options } => {
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
            let header = options.iter().any(|o| o == "header=y");
            commands::packets(&PacketsOpts { file: file_arg(file, read), count, format, header })
        }
        Cmd::Tree { file, read, count, frame, json } => commands::tree(&TreeOpts { file: file_arg(file, read), count, frame, json }),
    };
    ExitCode::from(status.code())
}
