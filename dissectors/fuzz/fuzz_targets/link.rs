//! parse_link over each link type (picked by the first byte), then the link tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_dissectors::link::{linktype, parse_link};
use wirelens_dissectors::Tree;
use wirelens_dissectors_fuzz::{check_spans, render, Input};

fuzz_target!(|input: &[u8]| {
    let mut i = Input { data: input };
    let lt = wirelens_dissectors_fuzz::linktype(i.u8());
    let data = i.data;
    let link = parse_link(lt, data);
    assert_eq!(link.linktype, lt);
    assert!(
        link.payload_off <= data.len() || link.error.is_some(),
        "payload offset {} past {} bytes",
        link.payload_off,
        data.len()
    );
    let mut t = Tree::new();
    link.tree(&mut t, data);
    check_spans(&t, data, "link");
    render(&t, data);
    let _ = (
        link.src_mac(),
        link.dst_mac(),
        link.vlan_id(),
        link.protocols(),
        link.length_end(),
        link.too_many_tags(),
    );
    let _ = linktype::name(lt);
});
