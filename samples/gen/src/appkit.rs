//! Helpers for the application-layer samples: UDP endpoints (DNS), an
//! application write spread over MSS-sized TCP segments, HTTP message
//! builders, and deterministic gzip/deflate.

use std::io::Write;

use etherparse::PacketBuilder;
use flate2::{Compress, Compression, FlushCompress, GzBuilder};

use crate::build;
use crate::craft::{ip4, pad60, Frame, ACK, PSH};
use crate::tcpkit::{Conn, Who, SEG};

/// One UDP endpoint as the capture sees it.
#[derive(Clone, Debug)]
pub struct Udp {
    /// Source MAC of its frames as captured.
    pub mac: [u8; 6],
    pub ip: [u8; 4],
    /// TTL on arrival.
    pub ttl: u8,
    /// Next IPv4 identification.
    pub ip_id: u16,
    /// The capture is taken on this host (its frames are not padded).
    pub local: bool,
}

impl Udp {
    pub fn new(mac: [u8; 6], ip: [u8; 4], ttl: u8, ip_id: u16, local: bool) -> Udp {
        Udp {
            mac,
            ip,
            ttl,
            ip_id,
            local,
        }
    }

    /// A datagram from `self` to `to` at `us`.
    pub fn send(&mut self, us: u64, to: &Udp, sport: u16, dport: u16, payload: &[u8]) -> Frame {
        let id = self.ip_id;
        self.ip_id = self.ip_id.wrapping_add(1);
        let bytes = build!(
            PacketBuilder::ethernet2(self.mac, to.mac)
                .ip(ip4(self.ip, to.ip, self.ttl, id, true))
                .udp(sport, dport),
            payload
        );
        Frame::new(us, if self.local { bytes } else { pad60(bytes) })
    }
}

/// Sends `data` as one application write from `from` starting at `at`:
/// full segments (no PSH) `gap` µs apart, PSH on the last; the receiver
/// acknowledges every second segment 30 µs after it arrives (Linux's
/// quick ACKs during a transfer). Returns the time of the last segment.
pub fn write(k: &mut Conn, at: u64, from: Who, data: &[u8], gap: u64) -> u64 {
    let n = data.len().div_ceil(SEG).max(1);
    let mut t = at;
    for (i, chunk) in data.chunks(SEG).enumerate() {
        if i + 1 == n {
            k.push(t, from, chunk);
        } else {
            k.data(t, from, chunk);
            if i % 2 == 1 {
                k.ack(t + 30, from.other());
            }
            t += gap;
        }
    }
    t
}

/// A segment with PSH carrying `data` (which may hold several messages or
/// part of one).
pub fn push(k: &mut Conn, at: u64, from: Who, data: &[u8]) {
    k.tx(at, from).flags(PSH | ACK).data(data).send();
}

/// `Date:` of a response sent `us` µs after the capture start (2026-01-01).
pub fn http_date(us: u64) -> String {
    let s = us / 1_000_000;
    format!(
        "Thu, 01 Jan 2026 {:02}:{:02}:{:02} GMT",
        s / 3600 % 24,
        s / 60 % 60,
        s % 60
    )
}

/// An HTTP/1.1 request: request line, then `headers` (each "Name: value"),
/// then `body`.
pub fn request(method: &str, target: &str, headers: &[&str], body: &[u8]) -> Vec<u8> {
    let mut v = format!("{method} {target} HTTP/1.1\r\n").into_bytes();
    for h in headers {
        v.extend(h.as_bytes());
        v.extend(b"\r\n");
    }
    v.extend(b"\r\n");
    v.extend(body);
    v
}

/// An HTTP/1.1 response: status line, headers, body (Content-Length is
/// not added: put it in `headers` when wanted).
pub fn response(status: &str, headers: &[&str], body: &[u8]) -> Vec<u8> {
    let mut v = format!("HTTP/1.1 {status}\r\n").into_bytes();
    for h in headers {
        v.extend(h.as_bytes());
        v.extend(b"\r\n");
    }
    v.extend(b"\r\n");
    v.extend(body);
    v
}

/// One chunk of a chunked body (RFC 9112 7.1): hex size, optional
/// extension, CRLF, data, CRLF.
pub fn chunk(data: &[u8], ext: &str) -> Vec<u8> {
    let mut v = format!("{:x}{ext}\r\n", data.len()).into_bytes();
    v.extend(data);
    v.extend(b"\r\n");
    v
}

/// The last chunk, with optional trailer fields.
pub fn last_chunk(trailers: &[&str]) -> Vec<u8> {
    let mut v = b"0\r\n".to_vec();
    for t in trailers {
        v.extend(t.as_bytes());
        v.extend(b"\r\n");
    }
    v.extend(b"\r\n");
    v
}

/// gzip (RFC 1952) as nginx writes it: no name, mtime 0, OS 3 (Unix).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzBuilder::new()
        .mtime(0)
        .operating_system(3)
        .write(Vec::new(), Compression::new(6));
    e.write_all(data).expect("write to a Vec");
    e.finish().expect("finish to a Vec")
}

/// A valid PNG: `w` x `h` RGBA pixels of deterministic noise (so it
/// does not compress), zlib-compressed, with correct chunk CRCs.
pub fn png(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let chunk = |out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]| {
        out.extend((data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend(kind);
        out.extend(data);
        out.extend(crc.sum().to_be_bytes());
    };
    let mut raw = Vec::new();
    let px = crate::tcpkit::noise(seed, (w * h * 4) as usize);
    for row in px.chunks((w * 4) as usize) {
        raw.push(0);
        raw.extend(row);
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), Compression::new(6));
    z.write_all(&raw).expect("write to a Vec");
    let idat = z.finish().expect("finish to a Vec");
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", b"");
    out
}

/// A raw-deflate compressor for permessage-deflate (RFC 7692 7.2.1): each
/// message is compressed with a sync flush and the trailing 00 00 ff ff
/// removed; the compressor (and so its window) is kept between messages
/// (context takeover).
pub struct Deflater(Compress);

impl Default for Deflater {
    fn default() -> Self {
        Deflater(Compress::new(Compression::new(6), false))
    }
}

impl Deflater {
    pub fn message(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() + 64);
        let start_in = self.0.total_in();
        loop {
            let done = (self.0.total_in() - start_in) as usize;
            if out.capacity() - out.len() < 64 {
                out.reserve(data.len() + 64);
            }
            self.0
                .compress_vec(&data[done..], &mut out, FlushCompress::Sync)
                .expect("deflate");
            let done = (self.0.total_in() - start_in) as usize;
            if done == data.len() && out.ends_with(&[0, 0, 0xff, 0xff]) && out.capacity() > out.len() {
                break;
            }
        }
        assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
        out.truncate(out.len() - 4);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Decompress, FlushDecompress};

    #[test]
    fn deflated_messages_share_the_window() {
        let mut d = Deflater::default();
        let m = b"{\"type\":\"quote\",\"symbol\":\"EXMPL\",\"price\":101.25}";
        let a = d.message(m);
        let b = d.message(m);
        assert!(b.len() < a.len() / 2, "{} vs {}", b.len(), a.len());
        let mut z = Decompress::new(false);
        for c in [a, b] {
            let mut input = c.clone();
            input.extend([0, 0, 0xff, 0xff]);
            let mut out = Vec::with_capacity(256);
            z.decompress_vec(&input, &mut out, FlushDecompress::Sync)
                .expect("inflate");
            assert_eq!(out, m);
        }
    }

    #[test]
    fn gzip_round_trips() {
        let g = gzip(b"hello hello hello");
        assert_eq!(&g[..4], &[0x1f, 0x8b, 8, 0]);
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&g[..]), &mut out).expect("gunzip");
        assert_eq!(out, "hello hello hello");
    }
}
