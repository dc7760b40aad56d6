//! HTTP/1.x messages and Server-Sent Events.
//!
//! [`tree`] dissects one message as sent (head, then the body as framed on
//! the wire) with Wireshark's field names and layout: the start line with
//! its parts, one node per header line (a known header gets its own field,
//! every line is also an `http.request.line` / `http.response.line`), the
//! chunks of a chunked body, the de-chunked and decompressed bodies as data
//! sources of their own, and `http.file_data`. What needs the conversation
//! (pairing, timing, lessons) is added by the engine.
//!
//! The parsing parts are public for the engine: [`head`] (incremental,
//! bounded), [`body`] (framing, chunked coding, gzip/deflate), [`sse`].

pub mod body;
pub mod head;
pub mod sse;
pub mod text;

use std::ops::Range;

use crate::error::Severity;
use crate::tree::{NodeId, Source, Tree, Value};

use body::{parse_chunks, trailer_fields, Coding};
use head::{parse_head_prefix, trim, Head, HeadLimits, Kind};
use text::{field_text, field_text_c, format_text, status_desc};

/// Most bytes of a decoded (de-chunked, decompressed) body kept for display.
pub const MAX_DECODED: usize = 1 << 20;
/// Most chunks listed in a tree (the rest are counted).
const MAX_CHUNKS_LISTED: usize = 1000;

/// The Wireshark field of a known header (lower-case name).
fn header_field(name: &[u8]) -> Option<&'static str> {
    const KNOWN: &[(&str, &str)] = &[
        ("authorization", "http.authorization"),
        ("proxy-authorization", "http.proxy_authorization"),
        ("proxy-authenticate", "http.proxy_authenticate"),
        ("www-authenticate", "http.www_authenticate"),
        ("content-type", "http.content_type"),
        ("content-length", "http.content_length_header"),
        ("content-encoding", "http.content_encoding"),
        ("transfer-encoding", "http.transfer_encoding"),
        ("upgrade", "http.upgrade"),
        ("user-agent", "http.user_agent"),
        ("host", "http.host"),
        ("connection", "http.connection"),
        ("cookie", "http.cookie"),
        ("accept", "http.accept"),
        ("referer", "http.referer"),
        ("accept-language", "http.accept_language"),
        ("accept-encoding", "http.accept_encoding"),
        ("date", "http.date"),
        ("cache-control", "http.cache_control"),
        ("server", "http.server"),
        ("location", "http.location"),
        ("sec-websocket-accept", "http.sec_websocket_accept"),
        ("sec-websocket-extensions", "http.sec_websocket_extensions"),
        ("sec-websocket-key", "http.sec_websocket_key"),
        ("sec-websocket-protocol", "http.sec_websocket_protocol"),
        ("sec-websocket-version", "http.sec_websocket_version"),
        ("set-cookie", "http.set_cookie"),
        ("last-modified", "http.last_modified"),
        ("x-forwarded-for", "http.x_forwarded_for"),
        ("http2-settings", "http.http2_settings"),
    ];
    KNOWN
        .iter()
        .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(name))
        .map(|(_, f)| *f)
}

/// A Content-Length value as Wireshark accepts it (decimal, not negative,
/// nothing but blanks after it).
fn cl_value(v: &[u8]) -> Option<u64> {
    let v = trim(v);
    let digits = v.iter().take_while(|c| c.is_ascii_digit()).count();
    let (num, rest) = v.split_at(digits);
    if num.is_empty() || !rest.iter().all(|c| c.is_ascii_whitespace()) {
        return None;
    }
    std::str::from_utf8(num).ok()?.parse().ok()
}

/// The media type of a Content-Type value: lower-case, without parameters.
pub fn media_type(v: &[u8]) -> String {
    let end = v
        .iter()
        .position(|&c| c == b';' || c.is_ascii_whitespace())
        .unwrap_or(v.len());
    String::from_utf8_lossy(trim(v.get(..end).unwrap_or(&[]))).to_ascii_lowercase()
}

/// Where the body of a message lies, as its bytes were cut by the engine
/// (Wireshark's rules: Content-Length bounds it unless a Transfer-Encoding
/// is present; a request without either has none; a response takes the rest).
fn body_extent(h: &Head, msg: &[u8]) -> (Range<usize>, bool) {
    let start = h.end().min(msg.len());
    let rest = msg.len() - start;
    let te = h.get(msg, "transfer-encoding");
    let chunked = te.is_some_and(|v| {
        v.split(|&c| c == b',')
            .any(|c| trim(c).eq_ignore_ascii_case(b"chunked"))
    });
    let cl = h.get(msg, "content-length").and_then(cl_value);
    let len = match (te.is_some(), cl, h.kind()) {
        (false, Some(n), _) => usize::try_from(n).unwrap_or(usize::MAX).min(rest),
        (false, None, Kind::Request) => 0,
        (_, _, Kind::Response)
            if !chunked
                && h.start
                    .code
                    .is_some_and(|c| (100..200).contains(&c) || c == 204 || c == 304) =>
        {
            0
        }
        _ => rest,
    };
    (start..start + len, chunked)
}

/// The body of a message after de-chunking and decoding, at most `max` bytes,
/// with the media type.
struct Entity {
    media: Option<String>,
    data: Vec<u8>,
    /// The body is non-empty on the wire.
    present: bool,
}

fn entity(h: &Head, msg: &[u8], max: usize) -> Entity {
    let (r, chunked) = body_extent(h, msg);
    let body = msg.get(r).unwrap_or(&[]);
    let mut data = if chunked {
        parse_chunks(body, 0, MAX_DECODED).data
    } else {
        body.to_vec()
    };
    if let Some(c) = h.get(msg, "content-encoding").and_then(Coding::from_header) {
        data = body::decode(c, &data, max).data;
    }
    data.truncate(max);
    Entity {
        media: h.get(msg, "content-type").map(media_type),
        present: !body.is_empty() && (!chunked || !data.is_empty()),
        data,
    }
}

/// What the body's dissector adds to the Info column in Wireshark.
fn media_info(media: &str, body: &[u8], out: &mut String, depth: u8) {
    match media {
        "application/json" | "application/json-rpc" | "application/jsonrequest" => {
            out.push_str(", JavaScript Object Notation (");
            out.push_str(media);
            out.push(')');
        }
        "text/xml" | "application/xml" | "application/octet-stream" => {}
        m if m.ends_with("+xml") => {}
        "image/gif" if body.starts_with(b"GIF87a") || body.starts_with(b"GIF89a") => {
            out.push_str(" (");
            out.push_str(&String::from_utf8_lossy(body.get(..6).unwrap_or(&[])));
            out.push(')');
        }
        "image/jpeg" | "image/jpg" | "image/pjpeg" if body.starts_with(&[0xff, 0xd8]) => {
            out.push_str(" (JPEG JFIF image)");
        }
        "image/png" if body.starts_with(b"\x89PNG\r\n\x1a\n") => out.push_str(" (PNG)"),
        m if m.starts_with("multipart/") => {
            if depth < 2 {
                multipart_info(body, out, depth + 1);
            }
        }
        m => {
            out.push_str(" (");
            out.push_str(m);
            out.push(')');
        }
    }
}

/// The parts of a multipart body, each adding its own media's Info.
fn multipart_info(body: &[u8], out: &mut String, depth: u8) {
    // The boundary is the first line that starts with "--".
    let Some(first) = body.windows(2).position(|w| w == b"--") else {
        return;
    };
    let line_end = body
        .get(first..)
        .and_then(|r| r.iter().position(|&c| c == b'\r' || c == b'\n'));
    let Some(le) = line_end else { return };
    let delim = body.get(first..first + le).unwrap_or(&[]).to_vec();
    if delim.len() < 3 {
        return;
    }
    let mut at = first + le;
    for _ in 0..64 {
        let rest = body.get(at..).unwrap_or(&[]);
        let Some(next) = rest.windows(delim.len()).position(|w| w == delim.as_slice()) else {
            return;
        };
        let part = rest.get(..next).unwrap_or(&[]);
        let part = part
            .strip_prefix(b"\r\n")
            .or_else(|| part.strip_prefix(b"\n"))
            .unwrap_or(part);
        if let Some(hend) = head::find_head_end(part, 0).or_else(|| part.starts_with(b"\r\n").then_some(2)) {
            let hdrs = part.get(..hend).unwrap_or(&[]);
            let ct = hdrs
                .split(|&c| c == b'\n')
                .find(|l| l.len() > 13 && l.get(..13).is_some_and(|n| n.eq_ignore_ascii_case(b"content-type:")));
            if let Some(l) = ct {
                let v = l.get(13..).unwrap_or(&[]);
                let v = v.strip_suffix(b"\r").unwrap_or(v);
                let content = part.get(hend..).unwrap_or(&[]);
                media_info(&media_type(trim(v)), content, out, depth);
            }
        }
        at += next + delim.len();
        if body.get(at..).is_some_and(|r| r.starts_with(b"--")) {
            return;
        }
    }
}

/// The Info column of an HTTP message: its first line and a space, then
/// what the body's dissector adds (the media type, or the image kind).
pub fn info(data: &[u8], out: &mut String) {
    let (head, _) = parse_head_prefix(data, &HeadLimits::default());
    let Some(h) = head else {
        out.push_str("Continuation");
        return;
    };
    out.push_str(&format_text(data.get(h.start.content.clone()).unwrap_or(&[])));
    out.push(' ');
    if h.blank.is_empty() {
        return;
    }
    let media = h.get(data, "content-type").map(media_type);
    let max = if media.as_deref().is_some_and(|m| m.starts_with("multipart/")) {
        MAX_DECODED
    } else {
        16
    };
    let e = entity(&h, data, max);
    if let (Some(m), true) = (e.media.as_deref(), e.present && !e.data.is_empty()) {
        media_info(m, &e.data, out, 0);
    }
}

/// Adds a string field whose line shows `line` (label-less: the line is the text).
fn line_field(
    t: &mut Tree,
    parent: NodeId,
    name: &'static str,
    value: String,
    line: String,
    off: usize,
    len: usize,
) -> NodeId {
    let id = t.add(Some(parent), name, "", Value::Str(value.into()), off, len);
    t.set_text(id, line);
    id
}

fn str_field(t: &mut Tree, parent: NodeId, name: &'static str, label: &'static str, v: &[u8], off: usize) -> NodeId {
    let id = t.string(parent, name, label, field_text(v), off, v.len());
    if v.iter().any(|&c| !(0x20..0x7f).contains(&c)) {
        t.set_text(id, format_text(v));
    }
    id
}

/// The request line's parts (with the URI's path and query).
fn request_parts(t: &mut Tree, ln: NodeId, msg: &[u8], h: &Head, base: usize) {
    let s = &h.start;
    str_field(
        t,
        ln,
        "http.request.method",
        "Request Method",
        h.part(msg, 0),
        base + s.first.start,
    );
    let uri = h.part(msg, 1);
    let u = str_field(t, ln, "http.request.uri", "Request URI", uri, base + s.second.start);
    if let Some(q) = uri.iter().position(|&c| c == b'?') {
        let query = uri.get(q + 1..).unwrap_or(&[]);
        if !query.is_empty() {
            let path = uri.get(..q).unwrap_or(&[]);
            str_field(
                t,
                u,
                "http.request.uri.path",
                "Request URI Path",
                path,
                base + s.second.start,
            );
            let qoff = base + s.second.start + q + 1;
            let qn = str_field(t, u, "http.request.uri.query", "Request URI Query", query, qoff);
            let mut at = qoff;
            for p in query.split(|&c| c == b'&') {
                if !p.is_empty() {
                    str_field(
                        t,
                        qn,
                        "http.request.uri.query.parameter",
                        "Request URI Query Parameter",
                        p,
                        at,
                    );
                }
                at += p.len() + 1;
            }
        }
    }
    if s.third.start <= s.third.end && s.third.start >= s.second.end && s.third.start > s.first.end {
        str_field(
            t,
            ln,
            "http.request.version",
            "Request Version",
            h.part(msg, 2),
            base + s.third.start,
        );
    }
}

fn response_parts(t: &mut Tree, ln: NodeId, msg: &[u8], h: &Head, base: usize) {
    let s = &h.start;
    str_field(
        t,
        ln,
        "http.response.version",
        "Response Version",
        h.part(msg, 0),
        base + s.first.start,
    );
    let code_txt = h.part(msg, 1);
    if code_txt.len() == 3 {
        let digits = code_txt
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .fold(0u64, |v, &c| v * 10 + u64::from(c - b'0'));
        t.uint(
            ln,
            "http.response.code",
            "Status Code",
            digits,
            base + s.second.start,
            3,
        );
        let desc = u16::try_from(digits)
            .ok()
            .and_then(status_desc)
            .map_or_else(|| format!("Unknown ({digits})"), str::to_string);
        let d = t.string(
            ln,
            "http.response.code.desc",
            "Status Code Description",
            desc,
            base + s.second.start,
            3,
        );
        t.set_generated(d);
        if !s.third.is_empty() {
            str_field(
                t,
                ln,
                "http.response.phrase",
                "Response Phrase",
                h.part(msg, 2),
                base + s.third.start,
            );
        }
    }
}

/// Adds an HTTP message's fields (head, then body as sent).
pub fn tree(t: &mut Tree, data: &[u8], base: usize) -> NodeId {
    let msg = data.get(base..).unwrap_or(&[]);
    let root = t.text(None, "http", "Hypertext Transfer Protocol", base, msg.len());
    let limits = HeadLimits::default();
    let (head, err) = parse_head_prefix(msg, &limits);
    let Some(h) = head else {
        let what = err.map_or_else(
            || "not a complete request or status line".to_string(),
            |e| e.describe(&limits),
        );
        t.expert(
            root,
            Severity::Warning,
            "wirelens.http.not_http",
            format!("Not an HTTP message: {what}"),
            base,
            0,
        );
        return root;
    };
    if !h.leading.is_empty() {
        t.expert(
            root,
            Severity::Warning,
            "http.leading_crlf",
            "Leading CRLF previous message in the stream may have extra CRLF",
            base,
            h.leading.len(),
        );
    }
    let src = t.default_src();
    let s = &h.start;
    let line_txt = format_text(msg.get(s.line.clone()).unwrap_or(&[]));
    let ln = t.text(Some(root), "", line_txt.clone(), base + s.line.start, s.line.len());
    t.expert(ln, Severity::Chat, "http.chat", line_txt, base + s.line.start, 0);
    match h.kind() {
        Kind::Request => request_parts(t, ln, msg, &h, base),
        Kind::Response => response_parts(t, ln, msg, &h, base),
    }
    let line_name = match h.kind() {
        Kind::Request => "http.request.line",
        Kind::Response => "http.response.line",
    };
    let mut saw_cl = false;
    let mut saw_te = false;
    for hd in &h.headers {
        let line = msg.get(hd.line.clone()).unwrap_or(&[]);
        let ltxt = format_text(line);
        let off = base + hd.line.start;
        let field = if hd.valid {
            header_field(msg.get(hd.name.clone()).unwrap_or(&[]))
        } else {
            None
        };
        let Some(f) = field else {
            let id = line_field(t, root, line_name, field_text(line), ltxt, off, line.len());
            if !hd.valid {
                t.set_expert(
                    id,
                    Severity::Warning,
                    "http.bad_header_name",
                    "Illegal characters found in header name",
                );
            }
            continue;
        };
        let value = msg.get(hd.value.clone()).unwrap_or(&[]);
        let id = line_field(t, root, f, field_text(value), ltxt.clone(), off, line.len());
        match f {
            "http.content_length_header" => {
                if let Some(n) = cl_value(value) {
                    let c = t.uint(id, "http.content_length", "Content length", n, off, line.len());
                    t.set_generated(c);
                    if saw_te {
                        t.set_expert(
                            id,
                            Severity::Warning,
                            "http.te_and_length",
                            "The Content-Length and Transfer-Encoding header must not be set together",
                        );
                    }
                }
                saw_cl = true;
            }
            "http.transfer_encoding" => {
                if saw_cl {
                    t.set_expert(
                        id,
                        Severity::Warning,
                        "http.te_and_length",
                        "The Content-Length and Transfer-Encoding header must not be set together",
                    );
                }
                saw_te = true;
                let known = value
                    .split(|&c| c == b',')
                    .map(trim)
                    .filter(|c| !c.is_empty())
                    .all(|c| {
                        [
                            "chunked",
                            "gzip",
                            "x-gzip",
                            "deflate",
                            "compress",
                            "x-compress",
                            "identity",
                        ]
                        .iter()
                        .any(|k| k.as_bytes().eq_ignore_ascii_case(c))
                    });
                if !known {
                    t.set_expert(
                        id,
                        Severity::Warning,
                        "http.te_unknown",
                        "Unknown transfer coding name in Transfer-Encoding header",
                    );
                }
            }
            "http.cookie" => {
                let mut at = 0;
                for part in value.split(|&c| c == b';') {
                    let lead = part.iter().take_while(|c| c.is_ascii_whitespace()).count();
                    let p = part.get(lead..).unwrap_or(&[]);
                    if !p.is_empty() {
                        str_field(
                            t,
                            id,
                            "http.cookie_pair",
                            "Cookie pair",
                            p,
                            base + hd.value.start + at + lead,
                        );
                    }
                    at += part.len() + 1;
                }
            }
            _ => {}
        }
        let hl = line_field(t, root, line_name, field_text(line), ltxt, off, line.len());
        t.set_hidden(hl);
    }
    if h.blank.is_empty() {
        let what = err.map_or_else(
            || "the message ends before the blank line that ends its headers".to_string(),
            |e| e.describe(&limits),
        );
        let code = match err {
            Some(
                head::HeadError::TooLarge(_) | head::HeadError::TooManyHeaders(_) | head::HeadError::LineTooLong(_),
            ) => "wirelens.http.head_too_large",
            _ => "wirelens.http.head_incomplete",
        };
        t.expert(
            root,
            Severity::Error,
            code,
            format!("Headers not complete: {what}"),
            base + h.blank.start,
            0,
        );
        return root;
    }
    t.text(
        Some(root),
        "",
        format_text(msg.get(h.blank.clone()).unwrap_or(&[])),
        base + h.blank.start,
        h.blank.len(),
    );
    match h.kind() {
        Kind::Request => {
            let uri = h.part(msg, 1);
            if let Some(host) = h.all(msg, "host").next().and_then(|x| msg.get(x.value.clone())) {
                let method = h.part(msg, 0);
                let full = if uri.len() >= 7 && uri.get(..7).is_some_and(|p| p.eq_ignore_ascii_case(b"http://"))
                    || uri.len() >= 8 && uri.get(..8).is_some_and(|p| p.eq_ignore_ascii_case(b"https://"))
                    || method == b"CONNECT"
                {
                    field_text(uri)
                } else {
                    format!("http://{}{}", field_text(trim(host)), field_text(uri))
                };
                let id = t.string(root, "http.request.full_uri", "Full request URI", full, base, 0);
                t.set_generated(id);
            }
            let id = t.boolean(root, "http.request", "Request", true, base, 0);
            t.set_hidden(id);
        }
        Kind::Response => {
            let id = t.boolean(root, "http.response", "Response", true, base, 0);
            t.set_hidden(id);
        }
    }
    body_tree(t, root, msg, &h, base, src);
    t.set_default_src(src);
    root
}

/// The body: chunks, de-chunked and decoded data sources, file data.
fn body_tree(t: &mut Tree, root: NodeId, msg: &[u8], h: &Head, base: usize, src: u16) {
    let (r, chunked) = body_extent(h, msg);
    if r.is_empty() {
        return;
    }
    let body = msg.get(r.clone()).unwrap_or(&[]);
    let boff = base + r.start;
    // (data, its source, where it starts in that source)
    let mut cur: (Vec<u8>, u16, usize);
    if chunked {
        let c = parse_chunks(body, MAX_CHUNKS_LISTED, MAX_DECODED);
        let ct = t.text(Some(root), "", "HTTP chunked response", boff, c.end);
        for ch in &c.chunks {
            let len =
                ch.data.end.max(ch.size_line.end) + ch.boundary.as_ref().map_or(0, |b| b.len()) - ch.size_line.start;
            let title = if ch.size == 0 {
                "End of chunked encoding".to_string()
            } else {
                format!("Data chunk ({} octets)", ch.size)
            };
            let cn = t.text(Some(ct), "", title, boff + ch.size_line.start, len);
            let sz = t.add(
                Some(cn),
                "http.chunk_size",
                "Chunk size",
                Value::UInt(ch.size),
                boff + ch.size_line.start,
                ch.size_line.len(),
            );
            t.set_text(sz, format!("{} octets", ch.size));
            if let Some(e) = &ch.ext {
                let ev = body.get(e.clone()).unwrap_or(&[]);
                str_field(
                    t,
                    cn,
                    "wirelens.http.chunk_extension",
                    "Chunk extension",
                    ev,
                    boff + e.start,
                );
            }
            if ch.size > 0 {
                t.bytes(cn, "http.chunk_data", "Chunk data", boff + ch.data.start, ch.data.len());
                if let Some(b) = &ch.boundary {
                    t.bytes(cn, "http.chunk_boundary", "Chunk boundary", boff + b.start, b.len());
                }
                if (ch.data.len() as u64) < ch.size {
                    t.expert(
                        cn,
                        Severity::Warning,
                        "wirelens.http.chunk_cut",
                        format!(
                            "Only {} of the chunk's {} bytes are in this message",
                            ch.data.len(),
                            ch.size
                        ),
                        boff + ch.data.end,
                        0,
                    );
                }
            }
        }
        if c.unlisted > 0 {
            t.text(
                Some(ct),
                "",
                format!("[{} more chunks not listed]", c.unlisted),
                boff,
                0,
            );
        }
        if let Some(tr) = &c.trailers {
            let v = body.get(tr.clone()).unwrap_or(&[]);
            let tn = t.string(
                ct,
                "http.chunked_trailer_part",
                "trailer-part",
                field_text(v),
                boff + tr.start,
                tr.len(),
            );
            t.set_text(tn, format_text(v));
            for (line, _, _) in trailer_fields(body, tr.clone()) {
                let l = body.get(line.clone()).unwrap_or(&[]);
                line_field(
                    t,
                    tn,
                    "wirelens.http.trailer",
                    field_text(l),
                    format_text(l),
                    boff + line.start,
                    line.len(),
                );
            }
        }
        if let Some(e) = &c.end_crlf {
            t.text(
                Some(ct),
                "",
                format_text(body.get(e.clone()).unwrap_or(&[])),
                boff + e.start,
                e.len(),
            );
        }
        if let Some(e) = c.error {
            t.expert(
                ct,
                Severity::Warning,
                "wirelens.http.chunk_error",
                format!("Bad chunked coding: {e:?}"),
                boff + c.end,
                0,
            );
        } else if !c.complete {
            t.expert(
                ct,
                Severity::Note,
                "wirelens.http.chunked_incomplete",
                "The chunked body ends before its last chunk",
                boff + c.end,
                0,
            );
        }
        if c.data.is_empty() {
            return;
        }
        let s = t.add_source(Source {
            name: "De-chunked entity body".into(),
            data: c.data.clone(),
            frames: Vec::new(),
        });
        cur = (c.data, s, 0);
    } else {
        cur = (body.to_vec(), src, boff);
    }
    if let Some(enc) = h.get(msg, "content-encoding") {
        if !enc.eq_ignore_ascii_case(b"identity") {
            t.set_default_src(cur.1);
            let name = String::from_utf8_lossy(enc).into_owned();
            let en = t.text(
                Some(root),
                "",
                format!("Content-encoded entity body ({name}): {} bytes", cur.0.len()),
                cur.2,
                cur.0.len(),
            );
            let dec = Coding::from_header(enc).map(|c| body::decode(c, &cur.0, MAX_DECODED));
            match dec {
                Some(d) if d.error.is_none() || !d.data.is_empty() => {
                    let mut line = format!(
                        "Content-encoded entity body ({name}): {} bytes -> {} bytes",
                        cur.0.len(),
                        d.data.len()
                    );
                    if d.capped {
                        line.push_str(" (display limit reached)");
                    }
                    t.set_text(en, line);
                    if let Some(e) = &d.error {
                        t.expert(
                            en,
                            Severity::Note,
                            "wirelens.http.decompression_partial",
                            format!("Decompression stopped early: {e}"),
                            cur.2,
                            0,
                        );
                    }
                    let s = t.add_source(Source {
                        name: "Uncompressed entity body".into(),
                        data: d.data.clone(),
                        frames: Vec::new(),
                    });
                    cur = (d.data, s, 0);
                }
                _ => {
                    t.set_expert(
                        en,
                        Severity::Warning,
                        "http.decompression_failed",
                        "Decompression failed",
                    );
                    t.set_default_src(src);
                    return;
                }
            }
        }
    }
    t.set_default_src(cur.1);
    let fd = t.add(
        Some(root),
        "http.file_data",
        "File Data",
        Value::Str(field_text_c(&cur.0, MAX_DECODED).into()),
        cur.2,
        cur.0.len(),
    );
    t.set_text(fd, format!("{} bytes", cur.0.len()));
    t.set_default_src(src);
}

/// Adds one Server-Sent Event's fields.
pub fn sse_tree(t: &mut Tree, data: &[u8], base: usize) -> NodeId {
    let ev = data.get(base..).unwrap_or(&[]);
    let root = t.text(None, "wirelens.sse", "Server-Sent Event", base, ev.len());
    for l in sse::parse_event(ev) {
        let line = ev.get(l.line.clone()).unwrap_or(&[]);
        let value = ev.get(l.value.clone()).unwrap_or(&[]);
        let off = base + l.line.start;
        let name = match l.kind {
            sse::SseKind::Id => "wirelens.sse.id",
            sse::SseKind::Event => "wirelens.sse.event",
            sse::SseKind::Data => "wirelens.sse.data",
            sse::SseKind::Retry(Some(ms)) => {
                let id = t.add(Some(root), "wirelens.sse.retry", "", Value::UInt(ms), off, line.len());
                t.set_text(id, format!("{} (reconnect after {ms} ms)", format_text(line)));
                continue;
            }
            sse::SseKind::Retry(None) => "wirelens.sse.field",
            sse::SseKind::Comment => "wirelens.sse.comment",
            sse::SseKind::Other => "wirelens.sse.field",
        };
        line_field(t, root, name, field_text(value), format_text(line), off, line.len());
    }
    let (ty, _, payload) = sse::summary(ev);
    let id = t.string(root, "wirelens.sse.type", "Event type", ty, base, 0);
    t.set_generated(id);
    let id = t.string(
        root,
        "wirelens.sse.payload",
        "Data",
        field_text(payload.as_bytes()),
        base,
        0,
    );
    t.set_generated(id);
    root
}

/// The Info column of one Server-Sent Event.
pub fn sse_info(data: &[u8], out: &mut String) {
    let (ty, id, payload) = sse::summary(data);
    out.push_str("Server-Sent Event: ");
    out.push_str(&format_text(ty.as_bytes()));
    if let Some(id) = id {
        out.push_str(", id ");
        out.push_str(&format_text(id.as_bytes()));
    }
    if !payload.is_empty() {
        out.push_str(", data: ");
        let cut: String = payload.chars().take(60).collect();
        out.push_str(&format_text(cut.as_bytes()));
        if cut.len() < payload.len() {
            out.push('…');
        }
    }
}

#[cfg(test)]
mod tests;
