//! How Wireshark shows the bytes of a text protocol: lines in the tree
//! (`format_text`: C escapes for control characters, UTF-8 kept) and string
//! field values (ASCII: a byte above 0x7f is U+FFFD; `-T fields` shows CR, LF
//! and TAB as `\r`, `\n`, `\t`).

use std::fmt::Write as _;

/// A line as the tree and the Info column show it.
pub fn format_text(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len() + 8);
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\x07' => out.push_str("\\a"),
                '\x08' => out.push_str("\\b"),
                '\x0c' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\x0b' => out.push_str("\\v"),
                c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                    let _ = write!(out, "\\{:03o}", c as u32);
                }
                c => out.push(c),
            }
        }
        for _ in chunk.invalid() {
            out.push('\u{fffd}');
        }
    }
    out
}

/// A string field's value as `tshark -T fields` prints it.
pub fn field_text(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for &c in b {
        match c {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            c if c >= 0x80 => out.push('\u{fffd}'),
            c => out.push(c as char),
        }
    }
    out
}

/// Like [`field_text`], stopping at the first NUL (a C string) and after `max` bytes.
pub fn field_text_c(b: &[u8], max: usize) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len()).min(max);
    field_text(b.get(..end).unwrap_or(&[]))
}

/// Wireshark's names of HTTP status codes.
pub fn status_desc(code: u16) -> Option<&'static str> {
    Some(match code {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        199 => "Informational - Others",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        299 => "Success - Others",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        399 => "Redirection - Others",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Time-out",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Requested Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        499 => "Client Error - Others",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Time-out",
        505 => "HTTP Version not supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        599 => "Server Error - Others",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_wireshark() {
        assert_eq!(
            format_text(b"GET /a\x07b\xc3\xa9\\z HTTP/1.1\r\n"),
            "GET /a\\ab\u{e9}\\z HTTP/1.1\\r\\n"
        );
        assert_eq!(format_text(b"h\x01x \x7f\xff"), "h\\001x \\177\u{fffd}");
        assert_eq!(field_text(b"Host: h\x01x\r\n"), "Host: h\x01x\\r\\n");
        assert_eq!(field_text(b"\xc3\xa9"), "\u{fffd}\u{fffd}");
        assert_eq!(field_text_c(b"ab\x00cd", 10), "ab");
    }
}
