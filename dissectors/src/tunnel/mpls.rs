//! MPLS label stacks (RFC 3032) and what follows the bottom of the stack,
//! guessed as Wireshark does: IPv4 or IPv6 by the first nibble, else an
//! Ethernet pseudowire with its control word (RFC 4448).

use crate::error::DissectError;
use crate::link::{Emit, Next};
use crate::tree::{NodeId, Value};
use crate::util::{be16, be32};

const LAYER: &str = "MPLS";
/// Labels followed before the stack is called malformed.
pub const MAX_LABELS: usize = 16;

/// One label stack entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label {
    pub label: u32,
    pub exp: u8,
    pub bottom: bool,
    pub ttl: u8,
    pub off: usize,
}

/// A label stack, top first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mpls {
    pub labels: Vec<Label>,
}

impl Mpls {
    /// Parses labels from `off` up to the bottom of the stack. On an error
    /// the labels read so far are returned with it.
    pub fn parse(data: &[u8], off: usize) -> (Mpls, Option<DissectError>) {
        let mut labels = Vec::new();
        let mut p = off;
        loop {
            let Some(w) = be32(data, p) else {
                let e = DissectError::truncated(LAYER, p, 4, data.len().saturating_sub(p));
                return (Mpls { labels }, Some(e));
            };
            let l = Label {
                label: w >> 12,
                exp: u8::try_from((w >> 9) & 7).unwrap_or(0),
                bottom: w & 0x100 != 0,
                ttl: u8::try_from(w & 0xff).unwrap_or(0),
                off: p,
            };
            labels.push(l);
            p = p.saturating_add(4);
            if l.bottom {
                return (Mpls { labels }, None);
            }
            if labels.len() >= MAX_LABELS {
                return (
                    Mpls { labels },
                    Some(DissectError::malformed(LAYER, "too many labels in the stack", p)),
                );
            }
        }
    }

    /// Where the payload starts.
    pub fn end(&self) -> usize {
        self.labels.last().map(|l| l.off.saturating_add(4)).unwrap_or(0)
    }

    /// The payload by its first nibble: IPv4, IPv6, or (0) an Ethernet
    /// pseudowire with a control word. Others are not dissected.
    pub fn payload_kind(data: &[u8], off: usize) -> Payload {
        match data.get(off).map(|b| b >> 4) {
            Some(4) => Payload::Next(Next::Ipv4),
            Some(6) => Payload::Next(Next::Ipv6),
            Some(0) => Payload::PwEthCw,
            _ => Payload::Next(Next::Nothing),
        }
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        let mut first = crate::tree::SKIPPED;
        for l in &self.labels {
            let r = e.root(
                "mpls",
                format!(
                    "MultiProtocol Label Switching Header, Label: {}, Exp: {}, S: {}, TTL: {}",
                    label_text(l.label),
                    l.exp,
                    u8::from(l.bottom),
                    l.ttl
                ),
                l.off,
                4,
            );
            if first == crate::tree::SKIPPED {
                first = r;
            }
            let ltext = match special(l.label) {
                Some(n) => format!("{n} ({})", l.label),
                None => format!("{} (0x{:05x})", l.label, l.label),
            };
            e.bits(
                r,
                "mpls.label",
                "MPLS Label",
                Value::UInt(u64::from(l.label)),
                32,
                0xffff_f000,
                l.off,
                4,
                Some(ltext),
            );
            e.bits(
                r,
                "mpls.exp",
                "MPLS Experimental Bits",
                Value::UInt(u64::from(l.exp)),
                32,
                0x0e00,
                l.off,
                4,
                None,
            );
            e.bits(
                r,
                "mpls.bottom",
                "MPLS Bottom Of Label Stack",
                Value::UInt(u64::from(l.bottom)),
                32,
                0x0100,
                l.off,
                4,
                None,
            );
            e.bits(
                r,
                "mpls.ttl",
                "MPLS TTL",
                Value::UInt(u64::from(l.ttl)),
                32,
                0x00ff,
                l.off,
                4,
                None,
            );
        }
        first
    }
}

/// What follows a label stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    Next(Next),
    PwEthCw,
}

fn special(l: u32) -> Option<&'static str> {
    Some(match l {
        0 => "IPv4 Explicit-Null",
        1 => "Router Alert",
        2 => "IPv6 Explicit-Null",
        3 => "Implicit-Null",
        7 => "Entropy Label Indicator",
        13 => "Generic Associated Channel Label (GAL)",
        14 => "OAM Alert",
        15 => "Extension",
        _ => return None,
    })
}

fn label_text(l: u32) -> String {
    match special(l) {
        Some(n) => n.to_string(),
        None => l.to_string(),
    }
}

/// The 4-byte control word of an Ethernet pseudowire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PwEthCw {
    pub off: usize,
    pub seq: u16,
}

impl PwEthCw {
    pub const LEN: usize = 4;

    pub fn parse(data: &[u8], off: usize) -> Result<PwEthCw, DissectError> {
        let seq = be16(data, off.saturating_add(2)).ok_or_else(|| {
            DissectError::truncated("PW Ethernet Control Word", off, 4, data.len().saturating_sub(off))
        })?;
        Ok(PwEthCw { off, seq })
    }

    pub(crate) fn tree(&self, e: &mut Emit<'_>) -> NodeId {
        let r = e.root("pwethcw", "PW Ethernet Control Word", self.off, Self::LEN);
        e.uint(
            r,
            "pweth.cw.sequence_number",
            "Sequence Number",
            u64::from(self.seq),
            self.off + 2,
            2,
        );
        r
    }
}
