//! Errors that say where, and expert information with stable codes.

use std::fmt;

/// Severity of an expert item, Wireshark's levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Comment,
    Chat,
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Comment => "Comment",
            Severity::Chat => "Chat",
            Severity::Note => "Note",
            Severity::Warning => "Warning",
            Severity::Error => "Error",
        }
    }
}

/// Expert information attached to a node: a stable dotted code
/// (`tcp.analysis.retransmission`, `ip.checksum_bad`, `malformed.truncated`)
/// and a message for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expert {
    pub severity: Severity,
    pub code: &'static str,
    pub msg: String,
}

/// What went wrong while dissecting one layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The captured bytes end before the header (or a field) does.
    Truncated,
    /// A field holds a value the protocol does not allow.
    Malformed(&'static str),
}

/// A dissection error that says where: the layer, the offset in the data
/// source where the missing or bad part starts, and for truncation how many
/// bytes were needed and how many were present from that offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DissectError {
    pub layer: &'static str,
    pub kind: ErrorKind,
    pub offset: usize,
    pub need: usize,
    pub have: usize,
}

impl DissectError {
    pub fn truncated(layer: &'static str, offset: usize, need: usize, have: usize) -> Self {
        DissectError {
            layer,
            kind: ErrorKind::Truncated,
            offset,
            need,
            have,
        }
    }

    pub fn malformed(layer: &'static str, what: &'static str, offset: usize) -> Self {
        DissectError {
            layer,
            kind: ErrorKind::Malformed(what),
            offset,
            need: 0,
            have: 0,
        }
    }

    /// Stable code for the expert node.
    pub fn code(&self) -> &'static str {
        match self.kind {
            ErrorKind::Truncated => "_ws.malformed.truncated",
            ErrorKind::Malformed(_) => "_ws.malformed",
        }
    }
}

impl fmt::Display for DissectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ErrorKind::Truncated => write!(
                f,
                "{} truncated: needed {} bytes at offset {}, only {} present",
                self.layer, self.need, self.offset, self.have
            ),
            ErrorKind::Malformed(what) => write!(f, "{} malformed at offset {}: {}", self.layer, self.offset, what),
        }
    }
}

impl std::error::Error for DissectError {}

/// Checks that `need` bytes are present at `off` in `data`; the error names the layer.
pub fn need(layer: &'static str, data: &[u8], off: usize, need: usize) -> Result<(), DissectError> {
    let have = data.len().saturating_sub(off);
    if have < need {
        Err(DissectError::truncated(layer, off, need, have))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_where() {
        let e = DissectError::truncated("TCP", 34, 20, 7);
        assert_eq!(
            e.to_string(),
            "TCP truncated: needed 20 bytes at offset 34, only 7 present"
        );
        assert!(need("IPv4", &[0; 10], 4, 6).is_ok());
        assert_eq!(
            need("IPv4", &[0; 10], 12, 6),
            Err(DissectError::truncated("IPv4", 12, 6, 0))
        );
    }
}
