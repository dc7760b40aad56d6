//! IPv6 at an offset: parse with the extension header walk, tree, wire length check, pseudo-header addresses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_dissectors::net::ipv6;
use wirelens_dissectors::Tree;
use wirelens_dissectors_fuzz::{check_spans, render, Hdr};

fuzz_target!(|input: &[u8]| {
    let (h, data) = Hdr::split(input);
    let off = h.off.min(data.len());
    if let Ok(ip) = ipv6::parse(data, off) {
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
        check_spans(&t, data, "ipv6");
        render(&t, data);
        let _ = (
            ip.frag_info(),
            ip.checksum_addrs(data),
            ip.headers_end(),
            ip.is_fragment(),
        );
    }
    if let Ok(x) = ipv6::parse_ah(data, off) {
        let mut t = Tree::new();
        ipv6::ext_header_tree(&mut t, None, data, &x);
        check_spans(&t, data, "ah");
        render(&t, data);
    }
});
