//! The fragment reassembler under limits taken from the input: a sequence
//! of fragments of a few datagrams (IPv4 and IPv6 keys), out of order,
//! overlapping, oversized, with time going back and forth. After every
//! push the bytes and datagrams held stay within the limits; a completed
//! datagram is consistent and its tree stays inside its data; when every
//! datagram is expired nothing is held any more.
//!
//! Layout: `[datagrams][bytes:2][timeout]`, then fragments
//! `[key][offset:2][flags][len:2]` + `len` payload bytes. Limits:
//! datagrams % 17 (0 allowed), bytes * 16 when timeout bit 7, timeout
//! (bits 0-6) * 10 ms. Key bits 0-1 the addresses, bit 2 IPv6, bits 3-4 the
//! id. Flags bit 0 more fragments, bits 1-5 ms since the previous fragment,
//! bit 6 time goes back 5 ms instead, bit 7 offset in 8-byte units.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use wirelens_dissectors::net::frag::{FragKey, FragLimits, FragOutcome, Reassembler, MAX_DATAGRAM};
use wirelens_dissectors::Tree;
use wirelens_dissectors_fuzz::{check_spans, render, Input};

fuzz_target!(|input: &[u8]| {
    let mut i = Input { data: input };
    let dgrams = usize::from(i.u8()) % 17;
    let bytes = usize::from(i.u16());
    let to = i.u8();
    let limits = FragLimits {
        max_datagrams: dgrams,
        max_bytes: if to & 0x80 != 0 { bytes * 16 } else { bytes },
        timeout_ns: i64::from(to & 0x7f) * 10_000_000,
    };
    let mut r = Reassembler::new(limits);
    let mut ts: i64 = 0;
    let mut n: u64 = 0;
    while !i.is_empty() {
        let k = i.u8();
        let off16 = usize::from(i.u16());
        let fl = i.u8();
        let len = usize::from(i.u16());
        let payload = i.take(len);
        n += 1;
        let a = k & 3;
        let (src, dst) = if k & 4 != 0 {
            (
                IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, u16::from(a))),
                IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10)),
            )
        } else {
            (
                IpAddr::V4(Ipv4Addr::new(192, 0, 2, a)),
                IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)),
            )
        };
        let key = FragKey {
            src,
            dst,
            id: u32::from((k >> 3) & 3),
            proto: 17,
        };
        let offset = if fl & 0x80 != 0 { off16 * 8 } else { off16 };
        if fl & 0x40 != 0 {
            ts -= 5_000_000;
        } else {
            ts += i64::from((fl >> 1) & 0x1f) * 1_000_000;
        }
        let out = r.push(key, offset, fl & 1 != 0, payload, n, ts);
        assert!(
            r.held_bytes() <= limits.max_bytes,
            "held {} bytes over the limit {}",
            r.held_bytes(),
            limits.max_bytes
        );
        assert!(
            r.held_datagrams() <= limits.max_datagrams,
            "held {} datagrams over the limit {}",
            r.held_datagrams(),
            limits.max_datagrams
        );
        if let FragOutcome::Complete(d) = out {
            assert!(d.data.len() <= MAX_DATAGRAM);
            assert!(!d.frames.is_empty() && d.frames.len() == d.frame_flags.len());
            assert!(
                d.frames.windows(2).all(|w| w[0].0 <= w[1].0),
                "fragments not sorted by offset"
            );
            assert!(d.frames.iter().any(|f| f.2 == n), "the completing fragment is listed");
            // Every byte of the datagram came from a listed fragment.
            let end = d.frames.iter().map(|f| f.0 as usize + f.1 as usize).max().unwrap_or(0);
            assert!(
                end >= d.data.len(),
                "datagram of {} bytes, fragments end at {end}",
                d.data.len()
            );
            if offset + payload.len() <= d.data.len() && offset <= d.data.len() {
                // The completing fragment's bytes are there unless an earlier copy won.
                let overlap = d.frame_flags.iter().any(|f| f & 1 != 0);
                assert!(
                    overlap || d.data.get(offset..offset + payload.len()) == Some(payload),
                    "completing fragment's bytes lost"
                );
            }
            let mut t = Tree::new();
            let proto = if k & 4 != 0 { "ipv6" } else { "ip" };
            d.tree(&mut t, None, proto);
            check_spans(&t, &[], "fragments");
            render(&t, &[]);
        }
    }
    r.expire(i64::MAX);
    assert_eq!(
        (r.held_bytes(), r.held_datagrams()),
        (0, 0),
        "everything expired but something is still held"
    );
});
