//! HTTP: one message as sent (head, body, chunks, gzip/deflate) and one
//! Server-Sent Event: tree and Info never panic and spans stay inside the
//! data; the head parser, the streaming chunk decoder and the whole-buffer
//! chunk parser agree on where a chunked body ends, however it is cut.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_dissectors::app::http::{self, body, head, sse};
use wirelens_dissectors::Tree;
use wirelens_dissectors_fuzz::render;

fuzz_target!(|input: &[u8]| {
    let (cut, data) = match input.split_first() {
        Some((c, d)) => (usize::from(*c), d),
        None => return,
    };
    let mut t = Tree::new();
    http::tree(&mut t, data, 0);
    render(&t, data);
    let mut s = String::new();
    http::info(data, &mut s);
    let mut t = Tree::new();
    http::sse_tree(&mut t, data, 0);
    render(&t, data);
    s.clear();
    http::sse_info(data, &mut s);
    let _ = head::parse_head(data, &head::HeadLimits::default());
    let _ = sse::event_end(data, 0);
    // Streaming and whole-buffer chunk parsing agree on the end.
    let whole = body::parse_chunks(data, 16, 1 << 16);
    let mut d = body::ChunkDecoder::default();
    let mut used = 0;
    let split = cut.min(data.len());
    for piece in [&data[..split], &data[split..]] {
        let mut at = 0;
        while at < piece.len() && !d.done() && d.error().is_none() {
            let st = d.step(&piece[at..]);
            if st.used == 0 {
                break;
            }
            at += st.used;
        }
        used += at;
        if d.done() || d.error().is_some() {
            break;
        }
    }
    if d.done() && whole.complete && whole.error.is_none() {
        assert_eq!(used, whole.end, "chunked end");
    }
});
