//! `cargo run -p wirelens-samplegen -- [OUTDIR]`: re-makes every sample
//! capture in OUTDIR (default: the repository's samples/ directory).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let outdir = match (args.next(), args.next()) {
        (None, _) => wirelens_samplegen::default_outdir(),
        (Some(a), None) if a != "-h" && a != "--help" => PathBuf::from(a),
        _ => {
            eprintln!("usage: wirelens-samplegen [OUTDIR]   (default: the repository's samples/ directory)");
            return ExitCode::from(2);
        }
    };
    match wirelens_samplegen::generate(&outdir) {
        Ok(done) => {
            for (file, frames) in done {
                println!("{:>4} frames  {}", frames, outdir.join(file).display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("wirelens-samplegen: {e}");
            ExitCode::FAILURE
        }
    }
}
