//! How an HTTP/1.x body is delimited (RFC 9112 section 6.3), the chunked
//! transfer coding (streaming and whole-buffer), and Content-Encoding
//! gzip/deflate decoded for display with a bounded output.

use std::io::Read;
use std::ops::Range;

use super::head::{is_tchar, trim, Head, Kind};

/// How the body of a message ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// No body (a request without Content-Length, HEAD and 1xx/204/304 answers).
    None,
    /// Exactly this many bytes.
    Length(u64),
    /// Chunked transfer coding: ends with the last chunk and the trailers.
    Chunked,
    /// Until the server closes the connection.
    UntilClose,
    /// The connection stops being HTTP after this message (101 answer, CONNECT accepted).
    Switch,
}

/// What a Content-Length header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentLength {
    Absent,
    Valid(u64),
    /// Not a number, negative, overflowing, or several different values.
    Invalid,
}

/// The Content-Length of a head (all its Content-Length headers must agree).
pub fn content_length(head: &Head, data: &[u8]) -> ContentLength {
    let mut found = ContentLength::Absent;
    for h in head.all(data, "content-length") {
        let v = trim(data.get(h.value.clone()).unwrap_or(&[]));
        // A list of identical values is allowed (RFC 9110 8.6).
        for part in v.split(|&c| c == b',') {
            let p = trim(part);
            let n = if !p.is_empty() && p.iter().all(u8::is_ascii_digit) {
                std::str::from_utf8(p).ok().and_then(|s| s.parse::<u64>().ok())
            } else {
                None
            };
            match (n, found) {
                (None, _) => return ContentLength::Invalid,
                (Some(n), ContentLength::Absent) => found = ContentLength::Valid(n),
                (Some(n), ContentLength::Valid(m)) if n == m => {}
                _ => return ContentLength::Invalid,
            }
        }
    }
    found
}

/// Whether the message has a Transfer-Encoding header, and whether its last coding is chunked.
pub fn transfer_encoding(head: &Head, data: &[u8]) -> (bool, bool) {
    let mut present = false;
    let mut last_chunked = false;
    for h in head.all(data, "transfer-encoding") {
        present = true;
        for c in data.get(h.value.clone()).unwrap_or(&[]).split(|&c| c == b',') {
            let c = trim(c);
            if !c.is_empty() {
                last_chunked = c.eq_ignore_ascii_case(b"chunked");
            }
        }
    }
    (present, last_chunked)
}

/// The framing of a request.
pub fn request_framing(head: &Head, data: &[u8]) -> Framing {
    let (te, chunked) = transfer_encoding(head, data);
    if te {
        // A request whose last coding is not chunked cannot be delimited
        // (RFC 9112 6.3 item 4): the server answers 400 and closes.
        return if chunked { Framing::Chunked } else { Framing::None };
    }
    match content_length(head, data) {
        ContentLength::Valid(n) if n > 0 => Framing::Length(n),
        _ => Framing::None,
    }
}

/// The framing of a response to a request with `method` (None when unknown).
pub fn response_framing(head: &Head, data: &[u8], method: Option<&[u8]>) -> Framing {
    let code = head.start.code.unwrap_or(0);
    if code == 101 {
        return Framing::Switch;
    }
    if (100..200).contains(&code) || code == 204 || code == 304 || method == Some(b"HEAD") {
        return Framing::None;
    }
    if method == Some(b"CONNECT") && (200..300).contains(&code) {
        return Framing::Switch;
    }
    let (te, chunked) = transfer_encoding(head, data);
    if te {
        return if chunked { Framing::Chunked } else { Framing::UntilClose };
    }
    match content_length(head, data) {
        ContentLength::Valid(0) => Framing::None,
        ContentLength::Valid(n) => Framing::Length(n),
        _ => Framing::UntilClose,
    }
}

/// The framing of a message from its head alone.
pub fn framing(head: &Head, data: &[u8], method: Option<&[u8]>) -> Framing {
    match head.kind() {
        Kind::Request => request_framing(head, data),
        Kind::Response => response_framing(head, data, method),
    }
}

/// Longest chunk-size line (size, extensions, terminator) the decoder keeps.
pub const MAX_CHUNK_LINE: usize = 4096;
/// Longest trailer section the decoder keeps.
pub const MAX_TRAILERS: usize = 16 * 1024;

/// A problem in a chunked body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkError {
    /// The size line is not hexadecimal digits.
    BadSize,
    /// The size does not fit 64 bits.
    SizeOverflow,
    /// A size line or the trailers are longer than allowed.
    TooLong,
    /// The chunk data is not followed by CRLF.
    MissingCrlf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ChunkState {
    Size,
    Data(u64),
    DataEnd,
    Trailers,
    Done,
    Failed(ChunkError),
}

/// One step of the streaming decoder.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChunkStep {
    /// Bytes of the input used.
    pub used: usize,
    /// Chunk data found in the input (a range of it).
    pub data: Option<Range<usize>>,
    /// A chunk size line completed (size).
    pub chunk: Option<u64>,
}

/// Streaming decoder of the chunked coding: fed the bytes as they come,
/// it says how many it used and where the chunk data lies.
#[derive(Clone, Debug)]
pub struct ChunkDecoder {
    state: ChunkState,
    /// The current size line or trailer section (bounded).
    line: Vec<u8>,
    pub chunks: u64,
    pub data_bytes: u64,
    pub trailer_bytes: u64,
}

impl Default for ChunkDecoder {
    fn default() -> Self {
        ChunkDecoder {
            state: ChunkState::Size,
            line: Vec::new(),
            chunks: 0,
            data_bytes: 0,
            trailer_bytes: 0,
        }
    }
}

impl ChunkDecoder {
    pub fn done(&self) -> bool {
        self.state == ChunkState::Done
    }

    pub fn error(&self) -> Option<ChunkError> {
        match self.state {
            ChunkState::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// Decodes from `input`; stops after one chunk data run, at the end, or on an error.
    pub fn step(&mut self, input: &[u8]) -> ChunkStep {
        let mut s = ChunkStep::default();
        while s.used < input.len() {
            let rest = input.get(s.used..).unwrap_or(&[]);
            match self.state {
                ChunkState::Done | ChunkState::Failed(_) => break,
                ChunkState::Size => {
                    let nl = rest.iter().position(|&c| c == b'\n');
                    let take = nl.map_or(rest.len(), |p| p + 1);
                    if self.line.len() + take > MAX_CHUNK_LINE {
                        self.state = ChunkState::Failed(ChunkError::TooLong);
                        break;
                    }
                    self.line.extend_from_slice(rest.get(..take).unwrap_or(&[]));
                    s.used += take;
                    if nl.is_some() {
                        match parse_size(&self.line) {
                            Ok(0) => {
                                self.chunks += 1;
                                s.chunk = Some(0);
                                self.line.clear();
                                self.state = ChunkState::Trailers;
                            }
                            Ok(n) => {
                                self.chunks += 1;
                                s.chunk = Some(n);
                                self.line.clear();
                                self.state = ChunkState::Data(n);
                            }
                            Err(e) => {
                                self.state = ChunkState::Failed(e);
                            }
                        }
                        break;
                    }
                }
                ChunkState::Data(left) => {
                    let n = usize::try_from(left).unwrap_or(usize::MAX).min(rest.len());
                    s.data = Some(s.used..s.used + n);
                    s.used += n;
                    self.data_bytes = self.data_bytes.saturating_add(n as u64);
                    let left = left - n as u64;
                    self.state = if left == 0 {
                        ChunkState::DataEnd
                    } else {
                        ChunkState::Data(left)
                    };
                    break;
                }
                ChunkState::DataEnd => {
                    // CRLF (or a bare LF) after the data.
                    self.line.push(rest.first().copied().unwrap_or(0));
                    s.used += 1;
                    match self.line.as_slice() {
                        b"\r" => {}
                        b"\r\n" | b"\n" => {
                            self.line.clear();
                            self.state = ChunkState::Size;
                        }
                        _ => {
                            self.state = ChunkState::Failed(ChunkError::MissingCrlf);
                            break;
                        }
                    }
                }
                ChunkState::Trailers => {
                    // Trailer lines until an empty line.
                    let nl = rest.iter().position(|&c| c == b'\n');
                    let take = nl.map_or(rest.len(), |p| p + 1);
                    if self.line.len() + take > MAX_TRAILERS {
                        self.state = ChunkState::Failed(ChunkError::TooLong);
                        break;
                    }
                    let start = self.line.len();
                    self.line.extend_from_slice(rest.get(..take).unwrap_or(&[]));
                    s.used += take;
                    self.trailer_bytes = self.trailer_bytes.saturating_add(take as u64);
                    if nl.is_some() {
                        // Did this line start empty?
                        let line_start = self
                            .line
                            .get(..start)
                            .and_then(|b| b.iter().rposition(|&c| c == b'\n'))
                            .map_or(0, |p| p + 1);
                        let line = self.line.get(line_start..).unwrap_or(&[]);
                        if line == b"\r\n" || line == b"\n" {
                            self.state = ChunkState::Done;
                            break;
                        }
                    }
                }
            }
        }
        s
    }
}

/// The size in a chunk-size line (extensions after `;` ignored).
fn parse_size(line: &[u8]) -> Result<u64, ChunkError> {
    let l = line.strip_suffix(b"\n").unwrap_or(line);
    let l = l.strip_suffix(b"\r").unwrap_or(l);
    let size = l.split(|&c| c == b';').next().unwrap_or(&[]);
    let size = trim(size);
    if size.is_empty() || !size.iter().all(u8::is_ascii_hexdigit) {
        return Err(ChunkError::BadSize);
    }
    let digits = size.iter().skip_while(|&&c| c == b'0').count();
    if digits > 16 {
        return Err(ChunkError::SizeOverflow);
    }
    let mut v = 0u64;
    for &c in size {
        let d = (c as char).to_digit(16).unwrap_or(0);
        v = v
            .checked_mul(16)
            .and_then(|v| v.checked_add(u64::from(d)))
            .ok_or(ChunkError::SizeOverflow)?;
    }
    Ok(v)
}

/// One chunk of a body, its parts as ranges of the body buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// The size line with its terminator.
    pub size_line: Range<usize>,
    pub size: u64,
    /// Extensions after the size (`;name=value...`), when present.
    pub ext: Option<Range<usize>>,
    /// The data (cut short if the buffer ends).
    pub data: Range<usize>,
    /// The CRLF after the data.
    pub boundary: Option<Range<usize>>,
}

/// A chunked body parsed from a whole buffer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chunks {
    pub chunks: Vec<Chunk>,
    /// Chunks beyond the listing limit (counted, not listed).
    pub unlisted: u64,
    /// The trailer field lines (between the last chunk and the final CRLF).
    pub trailers: Option<Range<usize>>,
    /// The final empty line.
    pub end_crlf: Option<Range<usize>>,
    /// Where the chunked body ends.
    pub end: usize,
    /// The last chunk and the final CRLF were seen.
    pub complete: bool,
    pub error: Option<ChunkError>,
    /// The de-chunked data, up to `max_out` bytes.
    pub data: Vec<u8>,
    /// Data bytes in all chunks (even those not kept).
    pub data_len: u64,
}

/// Parses a chunked body from `body`, listing at most `max_listed` chunks
/// and keeping at most `max_out` bytes of de-chunked data.
pub fn parse_chunks(body: &[u8], max_listed: usize, max_out: usize) -> Chunks {
    let mut c = Chunks::default();
    let mut at = 0usize;
    loop {
        let rest = body.get(at..).unwrap_or(&[]);
        if rest.is_empty() {
            break;
        }
        let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
            break;
        };
        let line = rest.get(..nl + 1).unwrap_or(&[]);
        let size = match parse_size(line) {
            Ok(s) => s,
            Err(e) => {
                c.error = Some(e);
                break;
            }
        };
        let semi = line.iter().position(|&b| b == b';');
        let content_end = at + nl - usize::from(nl > 0 && rest.get(nl - 1) == Some(&b'\r'));
        let ext = semi.map(|p| at + p..content_end);
        let data_start = at + nl + 1;
        let avail = body.len().saturating_sub(data_start);
        let n = usize::try_from(size).unwrap_or(usize::MAX).min(avail);
        let data = data_start..data_start + n;
        if size > 0 {
            c.data_len = c.data_len.saturating_add(n as u64);
            let room = max_out.saturating_sub(c.data.len());
            c.data
                .extend_from_slice(body.get(data_start..data_start + n.min(room)).unwrap_or(&[]));
        }
        let mut next = data.end;
        let mut boundary = None;
        if size > 0 {
            let b = body.get(next..).unwrap_or(&[]);
            if b.starts_with(b"\r\n") {
                boundary = Some(next..next + 2);
                next += 2;
            } else if b.starts_with(b"\n") {
                boundary = Some(next..next + 1);
                next += 1;
            } else if !b.is_empty() {
                c.error = Some(ChunkError::MissingCrlf);
            }
        }
        let chunk = Chunk {
            size_line: at..at + nl + 1,
            size,
            ext,
            data,
            boundary,
        };
        if c.chunks.len() < max_listed || size == 0 {
            c.chunks.push(chunk);
        } else {
            c.unlisted += 1;
        }
        at = next;
        c.end = at;
        if c.error.is_some() || (size > 0 && (n as u64) < size) {
            break;
        }
        if size == 0 {
            // Trailer fields, then an empty line.
            let t0 = at;
            loop {
                let r = body.get(at..).unwrap_or(&[]);
                let Some(nl) = r.iter().position(|&b| b == b'\n') else {
                    at = body.len();
                    break;
                };
                if nl == 0 || (nl == 1 && r.first() == Some(&b'\r')) {
                    if at > t0 {
                        c.trailers = Some(t0..at);
                    }
                    c.end_crlf = Some(at..at + nl + 1);
                    at += nl + 1;
                    c.complete = true;
                    break;
                }
                at += nl + 1;
            }
            if !c.complete && at > t0 {
                c.trailers = Some(t0..at);
            }
            c.end = at;
            break;
        }
    }
    c
}

/// The trailer fields of a trailer section: (name, value) ranges.
pub fn trailer_fields(body: &[u8], r: Range<usize>) -> Vec<(Range<usize>, Range<usize>, Range<usize>)> {
    let mut out = Vec::new();
    let mut at = r.start;
    while at < r.end {
        let Some(line) = body.get(at..r.end) else { break };
        let nl = line
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(line.len().saturating_sub(1));
        let content = line.get(..nl).unwrap_or(&[]);
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        if let Some(c) = content.iter().position(|&b| b == b':') {
            if content
                .get(..c)
                .is_some_and(|n| !n.is_empty() && n.iter().all(|&b| is_tchar(b)))
            {
                let v0 = c
                    + 1
                    + content
                        .get(c + 1..)
                        .unwrap_or(&[])
                        .iter()
                        .take_while(|&&b| b == b' ')
                        .count();
                out.push((at..at + nl + 1, at..at + c, at + v0..at + content.len()));
            }
        }
        at += nl + 1;
        if out.len() >= 256 {
            break;
        }
    }
    out
}

/// A content coding we can decode for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    Deflate,
}

impl Coding {
    /// From a Content-Encoding value (a single coding).
    pub fn from_header(v: &[u8]) -> Option<Coding> {
        let v = trim(v);
        if v.eq_ignore_ascii_case(b"gzip") || v.eq_ignore_ascii_case(b"x-gzip") {
            Some(Coding::Gzip)
        } else if v.eq_ignore_ascii_case(b"deflate") || v.eq_ignore_ascii_case(b"x-deflate") {
            Some(Coding::Deflate)
        } else {
            None
        }
    }
}

/// The result of decoding a body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    pub data: Vec<u8>,
    /// The output reached the limit (more would follow).
    pub capped: bool,
    /// The input is not valid for the coding (or ends early); `data` holds what decoded.
    pub error: Option<String>,
}

/// Decodes `input` with `coding`, keeping at most `max_out` bytes.
pub fn decode(coding: Coding, input: &[u8], max_out: usize) -> Decoded {
    fn run<R: Read>(mut r: R, max_out: usize) -> (Vec<u8>, bool, Option<String>) {
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            if out.len() >= max_out {
                // One more byte tells whether the output was cut.
                let more = matches!(r.read(&mut buf[..1]), Ok(n) if n > 0);
                return (out, more, None);
            }
            let room = (max_out - out.len()).min(buf.len());
            match r.read(buf.get_mut(..room).unwrap_or(&mut [])) {
                Ok(0) => return (out, false, None),
                Ok(n) => out.extend_from_slice(buf.get(..n).unwrap_or(&[])),
                Err(e) => return (out, false, Some(e.to_string())),
            }
        }
    }
    let (data, capped, error) = match coding {
        Coding::Gzip => run(flate2::read::MultiGzDecoder::new(input), max_out),
        Coding::Deflate => {
            // RFC 9110 says zlib; many servers send raw deflate.
            let z = run(flate2::read::ZlibDecoder::new(input), max_out);
            if z.2.is_some() && z.0.is_empty() {
                run(flate2::read::DeflateDecoder::new(input), max_out)
            } else {
                z
            }
        }
    };
    Decoded { data, capped, error }
}

#[cfg(test)]
mod tests {
    use super::super::head::{parse_head, HeadLimits, HeadStatus};
    use super::*;
    use std::io::Write;

    fn head(d: &[u8]) -> Head {
        match parse_head(d, &HeadLimits::default()) {
            HeadStatus::Complete(h) => h,
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn framing_rules() {
        let d = b"GET / HTTP/1.1\r\n\r\n";
        assert_eq!(framing(&head(d), d, None), Framing::None);
        let d = b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n";
        assert_eq!(framing(&head(d), d, None), Framing::Length(5));
        let d = b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n\r\n";
        assert_eq!(framing(&head(d), d, None), Framing::Chunked);
        let d = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
        assert_eq!(framing(&head(d), d, Some(b"GET")), Framing::Length(10));
        assert_eq!(framing(&head(d), d, Some(b"HEAD")), Framing::None);
        let d = b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n";
        assert_eq!(framing(&head(d), d, Some(b"GET")), Framing::None);
        let d = b"HTTP/1.1 200 OK\r\n\r\n";
        assert_eq!(framing(&head(d), d, Some(b"GET")), Framing::UntilClose);
        assert_eq!(framing(&head(d), d, Some(b"CONNECT")), Framing::Switch);
        let d = b"HTTP/1.1 101 Switching Protocols\r\n\r\n";
        assert_eq!(framing(&head(d), d, Some(b"GET")), Framing::Switch);
        let d = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n";
        assert_eq!(content_length(&head(d), d), ContentLength::Invalid);
        let d = b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n";
        assert_eq!(content_length(&head(d), d), ContentLength::Invalid);
        let d = b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n";
        assert_eq!(content_length(&head(d), d), ContentLength::Invalid);
        let d = b"HTTP/1.1 200 OK\r\nContent-Length: 007\r\n\r\n";
        assert_eq!(content_length(&head(d), d), ContentLength::Valid(7));
    }

    const CHUNKED: &[u8] =
        b"4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: yes\r\n\r\nNEXT";

    #[test]
    fn chunks_whole_and_streaming_agree() {
        let c = parse_chunks(CHUNKED, 100, 1 << 20);
        assert!(c.complete);
        assert_eq!(c.data, b"Wikipedia in\r\n\r\nchunks.");
        assert_eq!(c.chunks.len(), 4);
        assert_eq!(&CHUNKED[c.chunks[0].ext.clone().unwrap()], b";ext=1");
        assert_eq!(&CHUNKED[c.trailers.clone().unwrap()], b"X-Trailer: yes\r\n");
        assert_eq!(&CHUNKED[c.end..], b"NEXT");
        assert_eq!(trailer_fields(CHUNKED, c.trailers.clone().unwrap()).len(), 1);
        for cut in 1..CHUNKED.len() {
            let mut d = ChunkDecoder::default();
            let mut out = Vec::new();
            let mut used = 0;
            for piece in [&CHUNKED[..cut], &CHUNKED[cut..]] {
                let mut at = 0;
                while at < piece.len() && !d.done() {
                    let s = d.step(&piece[at..]);
                    if let Some(r) = s.data {
                        out.extend_from_slice(&piece[at..][r]);
                    }
                    at += s.used;
                    if s.used == 0 {
                        break;
                    }
                }
                used += at;
                if d.done() {
                    break;
                }
            }
            assert!(d.done(), "cut {cut}");
            assert_eq!(out, c.data, "cut {cut}");
            assert_eq!(used, c.end, "cut {cut}");
        }
    }

    #[test]
    fn chunk_errors_are_bounded() {
        let mut d = ChunkDecoder::default();
        d.step(b"zz\r\n");
        assert_eq!(d.error(), Some(ChunkError::BadSize));
        let mut d = ChunkDecoder::default();
        d.step(b"1ffffffffffffffff\r\n");
        assert_eq!(d.error(), Some(ChunkError::SizeOverflow));
        let mut d = ChunkDecoder::default();
        d.step(&vec![b'1'; 5000]);
        assert_eq!(d.error(), Some(ChunkError::TooLong));
        let c = parse_chunks(b"10\r\nshort", 10, 100);
        assert!(!c.complete);
        assert_eq!(c.data, b"short");
    }

    #[test]
    fn gzip_and_deflate_decode_bounded() {
        let text = b"hello hello hello hello hello".repeat(100);
        let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        g.write_all(&text).unwrap();
        let gz = g.finish().unwrap();
        let d = decode(Coding::Gzip, &gz, 1 << 20);
        assert_eq!(d.data, text);
        assert!(!d.capped && d.error.is_none());
        let d = decode(Coding::Gzip, &gz, 100);
        assert_eq!(d.data.len(), 100);
        assert!(d.capped);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&text).unwrap();
        assert_eq!(decode(Coding::Deflate, &z.finish().unwrap(), 1 << 20).data, text);
        let mut r = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        r.write_all(&text).unwrap();
        assert_eq!(decode(Coding::Deflate, &r.finish().unwrap(), 1 << 20).data, text);
        let bad = decode(Coding::Gzip, b"not gzip at all", 100);
        assert!(bad.error.is_some());
        let cut = decode(Coding::Gzip, &gz[..gz.len() / 2], 1 << 20);
        assert!(cut.error.is_some() || cut.data.len() < text.len());
    }
}
