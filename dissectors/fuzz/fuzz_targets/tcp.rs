//! TCP at an offset, captured end = off + a, wire end = end + b: parse,
//! checksum, tree and info with a context from ctx, every accessor.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_dissectors::transport::tcp;
use wirelens_dissectors::Tree;
use wirelens_dissectors_fuzz::{check_spans, render, tcp_ctx, Hdr};

fuzz_target!(|input: &[u8]| {
    let (h, data) = Hdr::split(input);
    let off = h.off.min(data.len());
    let end = off + h.a;
    let wire_end = end + h.b;
    if let Ok(s) = tcp::parse(data, off, end, wire_end) {
        assert!(
            s.payload.start <= s.payload.end && s.payload.end <= data.len(),
            "payload {:?}",
            s.payload
        );
        let cx = tcp_ctx(h.ctx);
        let _ = s.checksum_status(data, u64::from(h.ctx) * 0x1_0203, h.ctx & 1 != 0);
        let mut t = Tree::new();
        s.tree(&mut t, data, &cx);
        check_spans(&t, data, "tcp");
        render(&t, data);
        let _ = (
            s.info(&cx),
            s.flags_str(),
            s.scaled_window(cx.win_scale),
            s.seq_shown(&cx),
            s.ack_shown(&cx),
            s.next_seq_shown(&cx),
        );
        let _ = (
            s.mss(),
            s.wscale(),
            s.sack_perm(),
            s.timestamps(),
            s.sack_blocks().count(),
            tcp::flag_chars(s.flags),
        );
        for o in &s.options {
            assert!(
                o.off >= off && o.off.saturating_add(o.len) <= off + s.hdr_len.max(20),
                "option {o:?} outside the header"
            );
        }
        let _ = tcp::kind_name(h.ctx);
    }
});
