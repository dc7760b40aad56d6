//! Says what a file that is not a capture looks like, and what to do.

/// First bytes as hex, for messages.
pub(crate) fn hex_prefix(b: &[u8]) -> String {
    let mut s = String::new();
    for (i, x) in b.iter().take(8).enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&format!("{x:02x}"));
    }
    if b.len() > 8 {
        s.push_str(" ...");
    }
    s
}

/// (what the bytes look like, what to do).
pub(crate) fn describe(b: &[u8]) -> (String, String) {
    let convert = "wirelens reads pcap and pcapng: convert it with `editcap -F pcapng IN OUT` if Wireshark can open it";
    let known: &[(&[u8], &str, &str)] = &[
        (
            b"\x1f\x8b",
            "a gzip-compressed file",
            "gunzip it first (or `zcat FILE | wirelens -r -`)",
        ),
        (
            b"\x28\xb5\x2f\xfd",
            "a zstd-compressed file",
            "decompress it first: `zstd -d FILE` (or `zstdcat FILE | wirelens -r -`)",
        ),
        (
            b"\xfd7zXZ\x00",
            "an xz-compressed file",
            "decompress it first: `unxz FILE` (or `xzcat FILE | wirelens -r -`)",
        ),
        (
            b"BZh",
            "a bzip2-compressed file",
            "decompress it first: `bunzip2 FILE` (or `bzcat FILE | wirelens -r -`)",
        ),
        (
            b"\x04\x22\x4d\x18",
            "an lz4-compressed file",
            "decompress it first: `lz4 -d FILE`",
        ),
        (
            b"PK\x03\x04",
            "a zip archive",
            "extract the capture from it first: `unzip FILE`",
        ),
        (
            b"7z\xbc\xaf\x27\x1c",
            "a 7-Zip archive",
            "extract the capture from it first: `7z x FILE`",
        ),
        (
            b"Rar!",
            "a RAR archive",
            "extract the capture from it first: `unrar x FILE`",
        ),
        (
            b"\x7fELF",
            "an executable (ELF)",
            "give the path of the capture, not of a program",
        ),
        (b"%PDF", "a PDF document", "give the path of the capture file"),
        (b"snoop\0\0\0", "a Solaris snoop capture", convert),
        (b"GMBU", "a Microsoft Network Monitor capture", convert),
        (b"XCP\0", "a Network Instruments Observer capture", convert),
        (
            b"\xd4\xc3\xb2",
            "a damaged pcap header (3 bytes of the magic only)",
            convert,
        ),
    ];
    for (magic, what, fix) in known {
        if b.starts_with(magic) {
            return ((*what).to_string(), (*fix).to_string());
        }
    }
    if b.get(257..262) == Some(b"ustar") {
        return (
            "a tar archive".into(),
            "extract the capture from it first: `tar xf FILE`".into(),
        );
    }
    if let Some(text) = text_prefix(b) {
        let hint = if text.starts_with('{') || text.starts_with('[') {
            "a JSON export cannot be read back; read the original capture (tshark -T json output is not a capture)"
        } else if text.starts_with('<') {
            "an XML/PDML/HTML export cannot be read back; read the original capture"
        } else {
            "a text dump (tcpdump/tshark output?) cannot be read back: capture with `-w FILE` to save packets; a hex dump can be converted with `text2pcap`"
        };
        return (format!("a text file starting with \"{text}\""), hint.to_string());
    }
    ("an unknown binary format".into(), convert.to_string())
}

/// Up to 40 characters of the start of the file if it looks like text.
fn text_prefix(b: &[u8]) -> Option<String> {
    let head = b.get(..b.len().min(512)).unwrap_or(b);
    // Cut at a char boundary if the 512-byte window split a UTF-8 char.
    let s = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(head.get(..e.valid_up_to()).unwrap_or(&[])).ok()?,
        Err(_) => return None,
    };
    if s.is_empty() || s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return None;
    }
    let line: String = s.chars().take_while(|c| *c != '\n' && *c != '\r').take(40).collect();
    Some(line.trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert!(describe(b"\x1f\x8b\x08\x00aaaa").1.contains("gunzip"));
        assert!(describe(b"hello world\n12:00 IP 1.2.3.4")
            .0
            .contains("text file starting with \"hello world\""));
        assert!(describe(b"{\"a\":1}").1.contains("JSON"));
        assert!(describe(&[0u8, 1, 2, 3, 200, 201]).0.contains("unknown binary"));
        assert_eq!(hex_prefix(&[1, 2, 0xab]), "01 02 ab");
        assert_eq!(hex_prefix(&[0; 9]), "00 00 00 00 00 00 00 00 ...");
        // A split UTF-8 character at the window edge is still text.
        let mut t = vec![b'a'; 511];
        t.extend_from_slice("é".as_bytes());
        assert!(describe(&t).0.contains("text file"));
    }
}
