//! ICMP at an offset, message end = off + a (may be past the data): parse, tree (with a frame time), info.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_dissectors::net::icmp;
use wirelens_dissectors::Tree;
use wirelens_dissectors_fuzz::{check_spans, render, Hdr};

fuzz_target!(|input: &[u8]| {
    let (h, data) = Hdr::split(input);
    let off = h.off.min(data.len());
    if let Ok(m) = icmp::parse(data, off, off + h.a) {
        if let Some(e) = &m.embedded {
            assert!(e.start <= e.end && e.end <= data.len(), "embedded {e:?}");
        }
        let mut t = Tree::new();
        let ts = (h.ctx & 1 != 0).then_some(h.b as i64 * 1_000_000_007);
        m.tree_at(&mut t, data, ts);
        check_spans(&t, data, "icmp");
        render(&t, data);
        let _ = (
            m.info(Some(h.ctx)),
            m.info(None),
            m.type_name(),
            m.code_name(),
            m.is_error(),
        );
    }
});
