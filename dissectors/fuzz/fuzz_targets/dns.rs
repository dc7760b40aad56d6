//! DNS messages: `[sel]` then bytes. `sel` picks the flavor (DNS, mDNS,
//! LLMNR), TCP framing (bit 2) and where the message starts (bits 3-5).
//! Parse, tree, Info, hickory-proto's typed data and presentation text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_dissectors::app::dns::{self, Flavor};
use wirelens_dissectors::Tree;
use wirelens_dissectors_fuzz::{check_spans, render};

fuzz_target!(|input: &[u8]| {
    let Some((&sel, data)) = input.split_first() else { return };
    let flavor = match sel & 3 {
        0 | 3 => Flavor::Dns,
        1 => Flavor::Mdns,
        _ => Flavor::Llmnr,
    };
    let over_tcp = sel & 4 != 0;
    let base = usize::from((sel >> 3) & 7).min(data.len());
    let mut t = Tree::new();
    dns::tree_as(&mut t, data, base, over_tcp, flavor);
    check_spans(&t, data, "dns");
    render(&t, data);
    let mut info = String::new();
    dns::info_as(data.get(base..).unwrap_or(&[]), over_tcp, flavor, &mut info);
    let (m, _, _) = dns::split(data, base, over_tcp);
    let msg = dns::parse(m);
    for r in &msg.records {
        assert!(r.rdata.start <= r.rdata.end && r.rdata.end <= m.len(), "rdata {:?}", r.rdata);
        let _ = dns::rdata_text(m, r);
        let _ = dns::typed_rdata(m, r);
    }
    let _ = (msg.rcode(), dns::looks_like_dns(m));
});
