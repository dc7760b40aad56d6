//! UDP at an offset, IP payload end = off + a: parse, checksum, tree, info.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_dissectors::transport::udp::{self, UdpCtx};
use wirelens_dissectors::Tree;
use wirelens_dissectors_fuzz::{check_spans, checksum_status, render, Hdr};

fuzz_target!(|input: &[u8]| {
    let (h, data) = Hdr::split(input);
    let off = h.off.min(data.len());
    if let Ok(u) = udp::parse(data, off, off + h.a) {
        assert!(
            u.payload.start <= u.payload.end && u.payload.end <= data.len(),
            "payload {:?}",
            u.payload
        );
        let ck = u.checksum_status(data, u64::from(h.ctx) * 0x1_2345, h.ctx & 1 != 0);
        let cx = UdpCtx {
            stream: (h.ctx & 2 != 0).then_some(u64::from(h.ctx)),
            checksum: if h.ctx & 4 != 0 { ck } else { checksum_status(h.ctx) },
        };
        let mut t = Tree::new();
        u.tree(&mut t, data, &cx);
        check_spans(&t, data, "udp");
        render(&t, data);
        let _ = (u.info(), u.info_with(&cx), u.data_len());
    }
});
