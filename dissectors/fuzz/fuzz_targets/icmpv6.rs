//! ICMPv6 at an offset, message end = off + a: parse (with a pseudo-header when ctx bit 0), tree, info.
#![no_main]

use std::net::Ipv6Addr;

use libfuzzer_sys::fuzz_target;
use wirelens_dissectors::net::icmpv6;
use wirelens_dissectors::Tree;
use wirelens_dissectors_fuzz::{check_spans, render, Hdr};

fuzz_target!(|input: &[u8]| {
    let (h, data) = Hdr::split(input);
    let off = h.off.min(data.len());
    let pseudo = (h.ctx & 1 != 0).then(|| {
        (
            Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1),
            Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, u16::from(h.ctx)),
        )
    });
    if let Ok(m) = icmpv6::parse(data, off, off + h.a, pseudo) {
        if let Some(e) = &m.embedded {
            assert!(e.start <= e.end && e.end <= data.len(), "embedded {e:?}");
        }
        for (_, r) in &m.nd_options {
            assert!(r.start <= r.end, "option {r:?}");
        }
        let mut t = Tree::new();
        m.tree(&mut t, data);
        check_spans(&t, data, "icmpv6");
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
