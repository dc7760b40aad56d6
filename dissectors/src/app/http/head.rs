//! The head of an HTTP/1.x message: the request or status line, the header
//! lines and the blank line that ends them. Parsing is incremental: a head
//! that is not complete yet answers [`HeadStatus::Partial`], one that breaks
//! a limit (line length, header count, head size) or does not start like
//! HTTP answers [`HeadStatus::Invalid`], so a caller never buffers more than
//! [`HeadLimits::max_head`] bytes waiting for a blank line.
//!
//! Every part is a byte range of the buffer the head was parsed from, so the
//! same ranges read the values and become the tree nodes' spans.

use std::ops::Range;

use nom::bytes::complete::{tag, take_till, take_while, take_while1};
use nom::combinator::opt;
use nom::IResult;
use nom::Parser;

/// Bounds on what a head may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadLimits {
    /// Longest line (start line or one header line, terminator included).
    pub max_line: usize,
    /// Most header lines.
    pub max_headers: usize,
    /// Longest head (start line to blank line, included).
    pub max_head: usize,
}

impl Default for HeadLimits {
    fn default() -> Self {
        HeadLimits {
            max_line: 16 * 1024,
            max_headers: 256,
            max_head: 64 * 1024,
        }
    }
}

/// Request or response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Request,
    Response,
}

/// The first line, split into its three parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartLine {
    pub kind: Kind,
    /// The whole line with its terminator.
    pub line: Range<usize>,
    /// The line without its terminator.
    pub content: Range<usize>,
    /// Request: method; response: version.
    pub first: Range<usize>,
    /// Request: URI; response: status code (three characters).
    pub second: Range<usize>,
    /// Request: version (the rest of the line); response: reason phrase.
    pub third: Range<usize>,
    /// The status code, when it is three digits.
    pub code: Option<u16>,
}

/// One header line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The whole line (and its folded continuation lines) with terminator.
    pub line: Range<usize>,
    /// The field name (before the colon).
    pub name: Range<usize>,
    /// The value: after the colon and leading blanks, to the end of the line.
    pub value: Range<usize>,
    /// The name is a token (RFC 9110 tchar only) and a colon was found.
    pub valid: bool,
    /// Continued on following lines (obsolete line folding).
    pub folded: bool,
}

/// Something wrong in a head that still parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadProblem {
    /// A header line without a colon or with characters not allowed in a name (line index).
    BadHeaderName(usize),
    /// A header continued on the next line (obsolete folding, RFC 9112 5.2).
    Folded(usize),
    /// Lines end with a bare LF instead of CRLF.
    BareLf,
}

/// A complete head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// Empty lines skipped before the start line (RFC 9112 2.2 lets a server ignore them).
    pub leading: Range<usize>,
    pub start: StartLine,
    pub headers: Vec<Header>,
    /// The blank line that ends the head.
    pub blank: Range<usize>,
    /// Problems found (bounded by the header count).
    pub problems: Vec<HeadProblem>,
}

impl Head {
    /// Where the head ends (the body starts), relative to the buffer.
    pub fn end(&self) -> usize {
        self.blank.end
    }

    pub fn kind(&self) -> Kind {
        self.start.kind
    }

    /// The headers named `name` (case-insensitive), in order.
    pub fn all<'a>(&'a self, data: &'a [u8], name: &'a str) -> impl Iterator<Item = &'a Header> + 'a {
        self.headers.iter().filter(move |h| {
            h.valid
                && data
                    .get(h.name.clone())
                    .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
        })
    }

    /// The first header named `name`, its value trimmed.
    pub fn get<'a>(&'a self, data: &'a [u8], name: &'a str) -> Option<&'a [u8]> {
        self.all(data, name)
            .next()
            .and_then(|h| data.get(h.value.clone()))
            .map(trim)
    }

    /// The first header named `name` as text (lossy), trimmed.
    pub fn get_str(&self, data: &[u8], name: &str) -> Option<String> {
        self.get(data, name).map(|v| String::from_utf8_lossy(v).into_owned())
    }

    /// Whether a comma-separated header `name` holds `token` (case-insensitive).
    pub fn has_token(&self, data: &[u8], name: &str, token: &str) -> bool {
        self.all(data, name).any(|h| {
            data.get(h.value.clone()).is_some_and(|v| {
                v.split(|&b| b == b',')
                    .any(|t| trim(t).eq_ignore_ascii_case(token.as_bytes()))
            })
        })
    }

    /// Request method, URI and version, or response version, code and phrase.
    pub fn part<'a>(&self, data: &'a [u8], which: u8) -> &'a [u8] {
        let r = match which {
            0 => self.start.first.clone(),
            1 => self.start.second.clone(),
            _ => self.start.third.clone(),
        };
        data.get(r).unwrap_or(&[])
    }
}

/// Why a head cannot be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadError {
    /// The first line is not a request or status line.
    NotHttp,
    /// A line longer than the limit (offset of the line).
    LineTooLong(usize),
    /// More header lines than the limit.
    TooManyHeaders(usize),
    /// No blank line within the head size limit.
    TooLarge(usize),
}

impl HeadError {
    pub fn describe(&self, limits: &HeadLimits) -> String {
        match self {
            HeadError::NotHttp => "the first line is neither a request line nor a status line".into(),
            HeadError::LineTooLong(at) => {
                format!("a line at offset {at} is longer than {} bytes", limits.max_line)
            }
            HeadError::TooManyHeaders(n) => format!("more than {} header lines ({n} seen)", limits.max_headers),
            HeadError::TooLarge(n) => format!("no end of headers within {} bytes ({n} seen)", limits.max_head),
        }
    }
}

/// The result of parsing a head from the bytes seen so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeadStatus {
    Complete(Head),
    /// Needs more bytes.
    Partial,
    Invalid(HeadError),
}

/// Methods Wireshark recognises (plus `M-` prefixed mandatory extensions).
const METHODS: &[&str] = &[
    "GET",
    "PUT",
    "COPY",
    "HEAD",
    "LOCK",
    "MOVE",
    "POLL",
    "POST",
    "BCOPY",
    "BMOVE",
    "MKCOL",
    "TRACE",
    "PATCH",
    "LABEL",
    "MERGE",
    "DELETE",
    "SEARCH",
    "UNLOCK",
    "REPORT",
    "UPDATE",
    "NOTIFY",
    "BDELETE",
    "CONNECT",
    "OPTIONS",
    "CHECKIN",
    "PROPFIND",
    "CHECKOUT",
    "CCM_POST",
    "SUBSCRIBE",
    "PROPPATCH",
    "BPROPFIND",
    "BPROPPATCH",
    "UNCHECKOUT",
    "MKACTIVITY",
    "MKWORKSPACE",
    "RPC_CONNECT",
    "RPC_IN_DATA",
    "UNSUBSCRIBE",
    "RPC_OUT_DATA",
    "VERSION-CONTROL",
    "BASELINE-CONTROL",
    "SSTP_DUPLEX_POST",
];

/// RFC 9110 tchar.
pub fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

/// Strips spaces and tabs at both ends.
pub fn trim(v: &[u8]) -> &[u8] {
    let s = v.iter().position(|&c| c != b' ' && c != b'\t').unwrap_or(v.len());
    let e = v.iter().rposition(|&c| c != b' ' && c != b'\t').map_or(s, |p| p + 1);
    v.get(s..e.max(s)).unwrap_or(&[])
}

/// Whether `line` (no terminator) is a request or status line, and which.
pub fn classify(line: &[u8]) -> Option<Kind> {
    let l = line.strip_prefix(b"M-").unwrap_or(line);
    if l.starts_with(b"HTTP/") || l.starts_with(b"ICY") {
        return Some(Kind::Response);
    }
    let sp = l.iter().position(|&c| c == b' ').unwrap_or(l.len());
    let method = l.get(..sp).unwrap_or(&[]);
    if METHODS.iter().any(|m| m.as_bytes() == method) {
        return Some(Kind::Request);
    }
    // Any token method, when the line ends with an HTTP version.
    if !method.is_empty() && method.iter().all(|&c| is_tchar(c)) {
        let t = trim(l);
        if let Some(p) = t.iter().rposition(|&c| c == b' ') {
            let v = t.get(p + 1..).unwrap_or(&[]);
            if v.len() == 8 && v.starts_with(b"HTTP/") && p > sp {
                return Some(Kind::Request);
            }
        }
    }
    None
}

/// Whether bytes that may stop mid-line can still begin a request or status line.
pub fn could_start(data: &[u8]) -> bool {
    let line_end = data.iter().position(|&c| c == b'\n');
    if let Some(e) = line_end {
        let line = data.get(..e).unwrap_or(&[]);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        return classify(line).is_some();
    }
    let l = data.strip_prefix(b"M-").unwrap_or(data);
    if l.is_empty() {
        return true;
    }
    if b"HTTP/".starts_with(l.get(..5.min(l.len())).unwrap_or(&[]))
        || b"ICY".starts_with(l.get(..3.min(l.len())).unwrap_or(&[]))
    {
        return true;
    }
    let sp = l.iter().position(|&c| c == b' ');
    let tok = l.get(..sp.unwrap_or(l.len())).unwrap_or(&[]);
    if !tok.iter().all(|&c| is_tchar(c)) || tok.len() > 32 {
        return false;
    }
    match sp {
        // A known method, or a token whose line may still end with a version.
        Some(_) => l.iter().all(|&c| c >= 0x20 && c != 0x7f) || METHODS.iter().any(|m| m.as_bytes() == tok),
        None => METHODS.iter().any(|m| m.as_bytes().starts_with(tok)) || tok.iter().all(|&c| is_tchar(c)),
    }
}

/// A heuristic for streams on ports that are not HTTP's: the first bytes of
/// the client's side are a request line (or a prefix of one).
pub fn looks_like_request(first: &[u8]) -> bool {
    let first = first.strip_prefix(b"\r\n").unwrap_or(first);
    if first.len() < 4 {
        return false;
    }
    match first.iter().position(|&c| c == b'\n') {
        Some(e) => {
            let line = first.get(..e).unwrap_or(&[]);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            classify(line) == Some(Kind::Request)
        }
        None => {
            let sp = first.iter().position(|&c| c == b' ');
            let tok = first.get(..sp.unwrap_or(first.len())).unwrap_or(&[]);
            sp.is_some() && METHODS.iter().any(|m| m.as_bytes() == tok) && first.iter().all(|&c| c >= 0x20 && c != 0x7f)
        }
    }
}

/// Finds the next line: (content end, line end) relative to `from`.
fn next_line(data: &[u8], from: usize) -> Option<(usize, usize)> {
    let rest = data.get(from..)?;
    let nl = memchr_nl(rest)?;
    let content = if nl > 0 && rest.get(nl - 1) == Some(&b'\r') {
        nl - 1
    } else {
        nl
    };
    Some((from + content, from + nl + 1))
}

fn memchr_nl(d: &[u8]) -> Option<usize> {
    d.iter().position(|&c| c == b'\n')
}

fn token(i: &[u8]) -> IResult<&[u8], &[u8]> {
    take_till(|c| c == b' ').parse(i)
}

fn spaces(i: &[u8]) -> IResult<&[u8], &[u8]> {
    take_while(|c| c == b' ').parse(i)
}

/// Splits a start line (no terminator) at `off` into its parts.
fn start_line(data: &[u8], kind: Kind, line: Range<usize>, content: Range<usize>) -> StartLine {
    let s = data.get(content.clone()).unwrap_or(&[]);
    let base = content.start;
    let pos = |rest: &[u8]| base + (s.len() - rest.len());
    let mut sl = StartLine {
        kind,
        line,
        content: content.clone(),
        first: base..base,
        second: content.end..content.end,
        third: content.end..content.end,
        code: None,
    };
    let Ok((rest, first)) = token(s) else { return sl };
    sl.first = base..base + first.len();
    let Ok((rest, _)) = spaces(rest) else { return sl };
    match kind {
        Kind::Request => {
            // Two spaces in a row mean an empty URI.
            let Ok((r2, uri)) = token(rest) else { return sl };
            let at = pos(rest);
            sl.second = at..at + uri.len();
            let sp: IResult<&[u8], Option<&[u8]>> = opt(tag(&b" "[..])).parse(r2);
            let Ok((r3, _)) = sp else { return sl };
            let at = pos(r3);
            sl.third = at..content.end;
        }
        Kind::Response => {
            let Ok((r2, code)) = token(rest) else { return sl };
            let at = pos(rest);
            if code.len() < 3 {
                return sl;
            }
            sl.second = at..at + 3;
            let digits: IResult<&[u8], &[u8]> = take_while1(|c: u8| c.is_ascii_digit()).parse(code);
            if let Ok((_, d)) = digits {
                if d.len() >= 3 {
                    sl.code = std::str::from_utf8(d.get(..3).unwrap_or(&[]))
                        .ok()
                        .and_then(|t| t.parse().ok());
                }
            }
            let Ok((r3, _)) = spaces(r2) else { return sl };
            let at = pos(r3);
            if at < content.end {
                sl.third = at..content.end;
            }
        }
    }
    sl
}

/// Parses a header line (content range, no terminator).
fn header_line(data: &[u8], line: Range<usize>, content: Range<usize>) -> Header {
    let s = data.get(content.clone()).unwrap_or(&[]);
    let colon = s.iter().position(|&c| c == b':');
    match colon {
        Some(c) => {
            let name = s.get(..c).unwrap_or(&[]);
            let valid = !name.is_empty() && name.iter().all(|&b| is_tchar(b));
            let after = s.get(c + 1..).unwrap_or(&[]);
            let blanks = after.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
            Header {
                line,
                name: content.start..content.start + c,
                value: content.start + c + 1 + blanks..content.end,
                valid,
                folded: false,
            }
        }
        None => Header {
            line,
            name: content.start..content.start,
            value: content.clone(),
            valid: false,
            folded: false,
        },
    }
}

/// Parses a head from the start of `data`.
pub fn parse_head(data: &[u8], limits: &HeadLimits) -> HeadStatus {
    match parse_core(data, limits) {
        Ok(h) => HeadStatus::Complete(h),
        Err(p) => match p.0 {
            None => HeadStatus::Partial,
            Some(e) => HeadStatus::Invalid(e),
        },
    }
}

/// What could be parsed of a head that is cut short or breaks a limit:
/// the start line and the header lines before the problem (the blank line
/// range is empty, at the end of what was parsed), and the problem (None
/// when the bytes simply end).
pub fn parse_head_prefix(data: &[u8], limits: &HeadLimits) -> (Option<Head>, Option<HeadError>) {
    match parse_core(data, limits) {
        Ok(h) => (Some(h), None),
        Err(p) => (p.1, p.0),
    }
}

type Partial = Box<(Option<HeadError>, Option<Head>)>;

fn parse_core(data: &[u8], limits: &HeadLimits) -> Result<Head, Partial> {
    // Empty lines before the start line are skipped.
    let mut at = 0usize;
    let mut skipped = 0;
    while let Some(r) = data.get(at..) {
        if r.starts_with(b"\r\n") {
            at += 2;
        } else if r.starts_with(b"\n") {
            at += 1;
        } else {
            break;
        }
        skipped += 1;
        if skipped > 16 {
            return Err(Box::new((Some(HeadError::NotHttp), None)));
        }
    }
    let leading = 0..at;
    let Some((cend, lend)) = next_line(data, at) else {
        let rest = data.get(at..).unwrap_or(&[]);
        if rest.len() > limits.max_line {
            return Err(Box::new((Some(HeadError::LineTooLong(at)), None)));
        }
        return if could_start(rest) {
            Err(Box::new((None, None)))
        } else {
            Err(Box::new((Some(HeadError::NotHttp), None)))
        };
    };
    if lend - at > limits.max_line {
        return Err(Box::new((Some(HeadError::LineTooLong(at)), None)));
    }
    let Some(kind) = classify(data.get(at..cend).unwrap_or(&[])) else {
        return Err(Box::new((Some(HeadError::NotHttp), None)));
    };
    let mut problems = Vec::new();
    if data.get(cend) == Some(&b'\n') {
        problems.push(HeadProblem::BareLf);
    }
    let start = start_line(data, kind, at..lend, at..cend);
    let mut head = Head {
        leading,
        start,
        headers: Vec::new(),
        blank: lend..lend,
        problems,
    };
    let mut pos = lend;
    let fail = |head: Head, pos: usize, e: Option<HeadError>| -> Result<Head, Partial> {
        let mut head = head;
        head.blank = pos..pos;
        Err(Box::new((e, Some(head))))
    };
    loop {
        if pos > limits.max_head {
            return fail(head, pos, Some(HeadError::TooLarge(pos)));
        }
        let Some((cend, lend)) = next_line(data, pos) else {
            let have = data.len();
            if have > limits.max_head {
                return fail(head, pos, Some(HeadError::TooLarge(have)));
            }
            if have - pos > limits.max_line {
                return fail(head, pos, Some(HeadError::LineTooLong(pos)));
            }
            return fail(head, pos, None);
        };
        if lend - pos > limits.max_line {
            return fail(head, pos, Some(HeadError::LineTooLong(pos)));
        }
        if lend > limits.max_head {
            return fail(head, pos, Some(HeadError::TooLarge(lend)));
        }
        if cend == pos {
            head.blank = pos..lend;
            return Ok(head);
        }
        let first = data.get(pos).copied().unwrap_or(0);
        if (first == b' ' || first == b'\t') && !head.headers.is_empty() {
            // Obsolete line folding: the line continues the previous header.
            let n = head.headers.len() - 1;
            let mut newly = false;
            if let Some(h) = head.headers.last_mut() {
                h.line.end = lend;
                h.value.end = cend;
                newly = !h.folded;
                h.folded = true;
            }
            if newly && head.problems.len() < limits.max_headers {
                head.problems.push(HeadProblem::Folded(n));
            }
        } else {
            if head.headers.len() >= limits.max_headers {
                let n = head.headers.len() + 1;
                return fail(head, pos, Some(HeadError::TooManyHeaders(n)));
            }
            let h = header_line(data, pos..lend, pos..cend);
            if !h.valid && head.problems.len() < limits.max_headers {
                head.problems.push(HeadProblem::BadHeaderName(head.headers.len()));
            }
            head.headers.push(h);
        }
        if data.get(cend) == Some(&b'\n') && !head.problems.contains(&HeadProblem::BareLf) {
            head.problems.push(HeadProblem::BareLf);
        }
        pos = lend;
    }
}

/// Where the blank line ending a head is, scanning from `from` (to resume a
/// scan over a growing buffer): the offset just past it.
pub fn find_head_end(data: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(rest) = data.get(i..) {
        let nl = memchr_nl(rest)?;
        let at = i + nl;
        // The line that starts after this LF is empty?
        match data.get(at + 1) {
            Some(b'\n') => return Some(at + 2),
            Some(b'\r') if data.get(at + 2) == Some(&b'\n') => return Some(at + 3),
            None => return None,
            _ => {}
        }
        i = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(s: &[u8]) -> Head {
        match parse_head(s, &HeadLimits::default()) {
            HeadStatus::Complete(h) => h,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn request_and_response_parts() {
        let d = b"GET /x?a=1 HTTP/1.1\r\nHost: example.com\r\nAccept:*/*\r\n\r\nbody";
        let h = head(d);
        assert_eq!(h.kind(), Kind::Request);
        assert_eq!(h.part(d, 0), b"GET");
        assert_eq!(h.part(d, 1), b"/x?a=1");
        assert_eq!(h.part(d, 2), b"HTTP/1.1");
        assert_eq!(h.headers.len(), 2);
        assert_eq!(h.get(d, "host"), Some(&b"example.com"[..]));
        assert_eq!(h.get(d, "ACCEPT"), Some(&b"*/*"[..]));
        assert_eq!(h.end(), d.len() - 4);
        let d = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        let h = head(d);
        assert_eq!(h.start.code, Some(404));
        assert_eq!(h.part(d, 2), b"Not Found");
        let d = b"HTTP/1.0 200\n\n";
        let h = head(d);
        assert_eq!(h.start.code, Some(200));
        assert!(h.problems.contains(&HeadProblem::BareLf));
    }

    #[test]
    fn partial_invalid_and_limits() {
        let l = HeadLimits::default();
        assert_eq!(parse_head(b"GE", &l), HeadStatus::Partial);
        assert_eq!(parse_head(b"GET / HTTP/1.1\r\nHost: a", &l), HeadStatus::Partial);
        assert_eq!(
            parse_head(b"\x16\x03\x01\x02", &l),
            HeadStatus::Invalid(HeadError::NotHttp)
        );
        assert_eq!(
            parse_head(b"hello world\r\n", &l),
            HeadStatus::Invalid(HeadError::NotHttp)
        );
        let mut big = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..300 {
            big.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        assert!(matches!(
            parse_head(&big, &l),
            HeadStatus::Invalid(HeadError::TooManyHeaders(_))
        ));
        let mut long = b"GET / HTTP/1.1\r\nX: ".to_vec();
        long.resize(20_000, b'a');
        assert!(matches!(
            parse_head(&long, &l),
            HeadStatus::Invalid(HeadError::LineTooLong(16))
        ));
    }

    #[test]
    fn folding_bad_names_and_leading_crlf() {
        let d = b"\r\nPOST / HTTP/1.1\r\nX-A: one\r\n  two\r\nbad line\r\nB@d: x\r\n\r\n";
        let h = head(d);
        assert_eq!(h.leading, 0..2);
        assert_eq!(h.headers.len(), 3);
        assert!(h.headers[0].folded);
        assert_eq!(&d[h.headers[0].value.clone()], b"one\r\n  two");
        assert!(!h.headers[1].valid && !h.headers[2].valid);
        assert_eq!(find_head_end(d, 0), Some(d.len()));
    }

    #[test]
    fn heuristics() {
        assert!(looks_like_request(b"GET / HTTP/1.1\r\n"));
        assert!(looks_like_request(b"OPTIONS * HTTP/1.1\r\n"));
        assert!(looks_like_request(b"QUERY /x HTTP/1.1\r\n"));
        assert!(!looks_like_request(b"\x16\x03\x01\x00\xa5\x01"));
        assert!(!looks_like_request(b"SSH-2.0-OpenSSH\r\n"));
        assert!(could_start(b"PO"));
        assert!(could_start(b"HTTP/1."));
        assert!(!could_start(b"\x00\x01"));
    }
}
