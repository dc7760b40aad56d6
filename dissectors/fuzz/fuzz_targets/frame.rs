//! Whole frames: a sequence of frames (each with its link type) through one
//! `frame::Decoder` (IP fragments are reassembled across them), then
//! build_tree, columns and render_text for each, then `frame::dissect` on
//! the same frame with the engine's annotations. See
//! `wirelens_dissectors_fuzz::run_frames` for the layout and the checks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    wirelens_dissectors_fuzz::run_frames(input);
});
