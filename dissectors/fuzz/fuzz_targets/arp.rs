//! ARP at an offset: parse (and the partial parse), tree, info, addresses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_dissectors::link::arp;
use wirelens_dissectors::Tree;
use wirelens_dissectors_fuzz::{check_spans, render, Hdr};

fuzz_target!(|input: &[u8]| {
    let (h, data) = Hdr::split(input);
    let off = h.off.min(data.len());
    let _ = arp::parse_partial(data, off);
    if let Ok(a) = arp::parse(data, off) {
        assert!(off + a.total_len() <= data.len());
        let mut t = Tree::new();
        a.tree(&mut t, data);
        check_spans(&t, data, "arp");
        render(&t, data);
        let _ = (
            a.info(data),
            a.kind(data),
            a.sender_ip(data),
            a.target_ip(data),
            a.sender_mac(data),
            a.target_mac(data),
        );
        let _ = (
            arp::arphrd_name(a.htype),
            arp::opcode_name(a.oper),
            a.hw_is_ether(),
            a.proto_is_ipv4(),
        );
    }
});
