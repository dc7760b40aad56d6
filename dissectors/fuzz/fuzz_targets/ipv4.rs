//! IPv4 at an offset: parse, tree, the wire length check (wire end = captured + b), fragment info.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_dissectors::net::ipv4;
use wirelens_dissectors::Tree;
use wirelens_dissectors_fuzz::{check_spans, render, Hdr};

fuzz_target!(|input: &[u8]| {
    let (h, data) = Hdr::split(input);
    let off = h.off.min(data.len());
    if let Ok(ip) = ipv4::parse(data, off) {
        assert!(
            ip.payload.start <= ip.payload.end && ip.payload.end <= data.len(),
            "payload {:?}",
            ip.payload
        );
        assert!(
            ip.trailer.start <= ip.trailer.end && ip.trailer.end <= data.len(),
            "trailer {:?}",
            ip.trailer
        );
        let mut t = Tree::new();
        let root = ip.tree(&mut t, data);
        ip.check_wire_len(&mut t, root, data.len() + h.b);
        check_spans(&t, data, "ipv4");
        render(&t, data);
        let _ = (
            ip.frag_info(),
            ip.shown_dst(),
            ip.df(),
            ip.mf(),
            ip.is_fragment(),
            ip.frag_byte_offset(),
        );
    }
});
