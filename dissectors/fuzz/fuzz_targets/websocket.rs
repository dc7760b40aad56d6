//! One WebSocket frame at an offset: header parse, frame_len, tree (with
//! its unmasked data source) and Info; piecewise unmasking equals whole.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_dissectors::app::websocket;
use wirelens_dissectors::Tree;
use wirelens_dissectors_fuzz::{check_spans, render, Hdr};

fuzz_target!(|input: &[u8]| {
    let (h, data) = Hdr::split(input);
    let off = h.off.min(data.len());
    let frame = data.get(off..).unwrap_or(&[]);
    match websocket::Header::parse(frame) {
        Ok(hd) => {
            assert!(hd.header_len <= websocket::MAX_HEADER && hd.header_len <= frame.len());
            assert_eq!(websocket::frame_len(frame), Ok(hd.total_len()));
            let _ = (hd.is_control(), hd.length_not_minimal());
            if let Some(k) = hd.mask_key {
                let p = &frame[hd.header_len..];
                let mut whole = p.to_vec();
                websocket::unmask(&mut whole, k, 0);
                let cut = h.a.min(p.len());
                let mut a = p[..cut].to_vec();
                let mut b = p[cut..].to_vec();
                websocket::unmask(&mut a, k, 0);
                websocket::unmask(&mut b, k, cut as u64);
                a.extend(b);
                assert_eq!(a, whole);
            }
        }
        Err(n) => assert!(n >= 1 && n <= websocket::MAX_HEADER),
    }
    let mut t = Tree::new();
    websocket::tree(&mut t, data, off);
    check_spans(&t, data, "websocket");
    render(&t, data);
    let mut s = String::new();
    websocket::info(frame, &mut s);
    assert!(s.starts_with("WebSocket"));
    for code in [h.ctx as u16 * 257, 1000, 1015] {
        let _ = (
            websocket::close_code_name(code),
            websocket::close_code_meaning(code),
            websocket::close_code_sendable(code),
        );
    }
});
