//! pcapng blocks: pure parsers over one complete block (header, body and
//! trailer), written with nom. They return owned values and offsets, never
//! borrow past the call, and report problems as strings the reader turns
//! into located errors or warnings.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use nom::bytes::complete::take;
use nom::number::complete::{be_u32, le_u32, u16 as nu16, u32 as nu32, u64 as nu64};
use nom::number::Endianness;
use nom::IResult;
use nom::Parser;

use super::Interface;

pub(crate) const SHB: u32 = 0x0A0D_0D0A;
pub(crate) const IDB: u32 = 1;
pub(crate) const PB: u32 = 2;
pub(crate) const SPB: u32 = 3;
pub(crate) const NRB: u32 = 4;
pub(crate) const ISB: u32 = 5;
pub(crate) const EPB: u32 = 6;
pub(crate) const DSB: u32 = 0x0000_000A;
pub(crate) const CUSTOM: u32 = 0x0000_0BAD;
pub(crate) const CUSTOM_NOCOPY: u32 = 0x4000_0BAD;

pub(crate) const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

/// Smallest block: type, length, trailer.
pub(crate) const MIN_BLOCK: u32 = 12;
/// Smallest Section Header Block: 12 + magic, version, section length.
pub(crate) const MIN_SHB: u32 = 28;

pub(crate) fn block_name(t: u32) -> &'static str {
    match t {
        SHB => "Section Header Block",
        IDB => "Interface Description Block",
        PB => "Packet Block",
        SPB => "Simple Packet Block",
        NRB => "Name Resolution Block",
        ISB => "Interface Statistics Block",
        EPB => "Enhanced Packet Block",
        DSB => "Decryption Secrets Block",
        CUSTOM | CUSTOM_NOCOPY => "Custom Block",
        0x0000_0009 => "systemd Journal Export Block",
        0x0000_0007 => "IRIG Timestamp Block",
        0x0000_0008 => "ARINC 429 Block",
        0x8000_0001..=0x8000_FFFF => "Sysdig/Falco event Block",
        _ => "unknown block",
    }
}

pub(crate) fn is_packet_block(t: u32) -> bool {
    matches!(t, EPB | PB | SPB)
}

/// Byte order of a section from the byte-order magic at offset 8 of its SHB.
pub(crate) fn shb_endian(block: &[u8]) -> Option<Endianness> {
    match block.get(8..12)? {
        [0x1A, 0x2B, 0x3C, 0x4D] => Some(Endianness::Big),
        [0x4D, 0x3C, 0x2B, 0x1A] => Some(Endianness::Little),
        _ => None,
    }
}

/// Reads a u32 of the given byte order at `at` (0 if out of range).
#[inline(always)]
pub(crate) fn u32_at(b: &[u8], at: usize, e: Endianness) -> u32 {
    let i = b.get(at..).unwrap_or(&[]);
    let r: IResult<&[u8], u32> = match e {
        Endianness::Big => be_u32(i),
        _ => le_u32(i),
    };
    r.map(|(_, v)| v).unwrap_or(0)
}

/// Block body: between the 8-byte header and the 4-byte trailer.
fn body(block: &[u8]) -> &[u8] {
    block.get(8..block.len().saturating_sub(4)).unwrap_or(&[])
}

fn pad4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

/// Walks options: (code, value). Stops at opt_endofopt or the end; an
/// option longer than what is left gives one `Err` and ends the walk.
pub(crate) struct Options<'a> {
    rest: &'a [u8],
    e: Endianness,
}

impl<'a> Options<'a> {
    pub(crate) fn new(rest: &'a [u8], e: Endianness) -> Options<'a> {
        Options { rest, e }
    }
}

fn option_header(i: &[u8], e: Endianness) -> IResult<&[u8], (u16, u16)> {
    (nu16(e), nu16(e)).parse(i)
}

impl<'a> Iterator for Options<'a> {
    type Item = Result<(u16, &'a [u8]), String>;

    fn next(&mut self) -> Option<Self::Item> {
        // Fewer than 4 bytes left: padding without an end-of-options; ignore.
        let (after, (code, len)) = option_header(self.rest, self.e).ok()?;
        if code == 0 {
            self.rest = &[];
            return None;
        }
        let r: IResult<&[u8], &[u8]> = take(len).parse(after);
        match r {
            Ok((_, value)) => {
                self.rest = after.get(pad4(usize::from(len))..).unwrap_or(&[]);
                Some(Ok((code, value)))
            }
            Err(_) => {
                let left = after.len();
                self.rest = &[];
                Some(Err(format!(
                    "option {code} of length {len} runs past the end of the block ({left} bytes left)"
                )))
            }
        }
    }
}

/// Option value as text (lossy UTF-8, trailing NULs dropped).
fn text(v: &[u8]) -> String {
    let end = v.iter().rposition(|&b| b != 0).map_or(0, |p| p.saturating_add(1));
    String::from_utf8_lossy(v.get(..end).unwrap_or(&[])).into_owned()
}

fn opt_u64(v: &[u8], e: Endianness) -> Option<u64> {
    let r: IResult<&[u8], u64> = nu64(e).parse(v);
    r.ok().map(|(_, x)| x)
}

/// Timestamps in options and ISBs: high 32 bits then low 32 bits.
fn ts_pair(i: &[u8], e: Endianness) -> IResult<&[u8], u64> {
    let (i, (hi, lo)) = (nu32(e), nu32(e)).parse(i)?;
    Ok((i, (u64::from(hi) << 32) | u64::from(lo)))
}

/// A Section Header Block.
#[derive(Debug, Default)]
pub(crate) struct Shb {
    pub version: (u16, u16),
    pub hardware: Option<String>,
    pub os: Option<String>,
    pub application: Option<String>,
    pub comments: Vec<String>,
}

/// Parses a Section Header Block of byte order `e` (from [`shb_endian`]).
/// An option overrunning the block is an error (the header is not trustworthy).
pub(crate) fn parse_shb(block: &[u8], e: Endianness) -> Result<Shb, String> {
    let b = body(block);
    let r: IResult<&[u8], (u32, u16, u16, u64)> = (nu32(e), nu16(e), nu16(e), nu64(e)).parse(b);
    let (opts, (_magic, major, minor, _section_len)) = r.map_err(|_| {
        format!(
            "the block is {} bytes, a Section Header Block needs at least {MIN_SHB}",
            block.len()
        )
    })?;
    let mut shb = Shb {
        version: (major, minor),
        ..Shb::default()
    };
    for o in Options::new(opts, e) {
        let (code, v) = o?;
        match code {
            1 => shb.comments.push(text(v)),
            2 => shb.hardware = Some(text(v)),
            3 => shb.os = Some(text(v)),
            4 => shb.application = Some(text(v)),
            _ => {}
        }
    }
    Ok(shb)
}

/// Ticks per second of an if_tsresol value, `None` if out of range.
pub(crate) fn ticks_per_sec(tsresol: u8) -> Option<u64> {
    let n = u32::from(tsresol & 0x7f);
    if tsresol & 0x80 != 0 {
        1u64.checked_shl(n).filter(|_| n < 64)
    } else {
        10u64.checked_pow(n)
    }
}

/// Parses an Interface Description Block into an interface (section and
/// local id left for the caller) and non-fatal problems.
pub(crate) fn parse_idb(block: &[u8], e: Endianness) -> Result<(Interface, Vec<String>), String> {
    let b = body(block);
    let r: IResult<&[u8], (u16, u16, u32)> = (nu16(e), nu16(e), nu32(e)).parse(b);
    let (opts, (linktype, _reserved, snaplen)) = r.map_err(|_| {
        format!(
            "the block is {} bytes, an Interface Description Block needs at least 20",
            block.len()
        )
    })?;
    let mut ifc = Interface::new(u32::from(linktype), snaplen);
    let mut problems = Vec::new();
    for o in Options::new(opts, e) {
        let (code, v) = o?;
        match code {
            1 => ifc.comments.push(text(v)),
            2 => ifc.name = Some(text(v)),
            3 => ifc.description = Some(text(v)),
            8 => ifc.speed = opt_u64(v, e),
            9 => match v.first().copied() {
                Some(res) => match ticks_per_sec(res) {
                    Some(t) => {
                        ifc.tsresol = res;
                        ifc.ticks_per_sec = t;
                    }
                    None => problems.push(format!("if_tsresol 0x{res:02x} is out of range; microseconds assumed")),
                },
                None => problems.push("empty if_tsresol option ignored".into()),
            },
            12 => ifc.os = Some(text(v)),
            13 => ifc.fcs_len = v.first().copied(),
            14 => match opt_u64(v, e) {
                Some(x) => ifc.tsoffset = x as i64,
                None => problems.push(format!("if_tsoffset option of {} bytes ignored (needs 8)", v.len())),
            },
            15 => ifc.hardware = Some(text(v)),
            _ => {}
        }
    }
    Ok((ifc, problems))
}

/// A packet from an EPB, SPB or obsolete PB. `data_off` is relative to the
/// block start. For an SPB `ticks` is `None` and `caplen` is still to be
/// limited by the interface's snap length.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct PacketBlock {
    pub local_iface: u32,
    pub ticks: Option<u64>,
    pub caplen: u32,
    pub origlen: u32,
    pub data_off: usize,
    pub comments: Vec<String>,
    pub flags: Option<u32>,
    /// An option problem (the packet itself is fine).
    pub problem: Option<String>,
}

fn packet_options(pb: &mut PacketBlock, opts: &[u8], e: Endianness) {
    for o in Options::new(opts, e) {
        match o {
            Ok((1, v)) => pb.comments.push(text(v)),
            Ok((2, v)) => {
                let r: IResult<&[u8], u32> = nu32(e).parse(v);
                pb.flags = r.ok().map(|(_, f)| f);
            }
            Ok(_) => {}
            Err(p) => pb.problem = Some(p),
        }
    }
}

fn data_area(block: &[u8], data_off: usize, caplen: u32, what: &str) -> Result<usize, String> {
    let room = block.len().saturating_sub(4).saturating_sub(data_off);
    let cap = usize::try_from(caplen).unwrap_or(usize::MAX);
    if cap > room {
        return Err(format!(
            "captured length {caplen} is larger than the room for data in the {what} ({room} bytes)"
        ));
    }
    Ok(data_off.saturating_add(pad4(cap)))
}

/// Enhanced Packet Block: interface, timestamp, lengths, data, options.
#[inline]
pub(crate) fn parse_epb(block: &[u8], e: Endianness) -> Result<PacketBlock, String> {
    // One monomorphized copy per byte order: the hot path of pcapng reading.
    match e {
        Endianness::Big => epb_with(block, e, |i: &[u8]| be_u32(i)),
        _ => epb_with(block, e, |i: &[u8]| le_u32(i)),
    }
}

#[inline(always)]
fn epb_with<P>(block: &[u8], e: Endianness, u32p: P) -> Result<PacketBlock, String>
where
    P: Fn(&[u8]) -> IResult<&[u8], u32> + Copy,
{
    let r = (u32p, u32p, u32p, u32p, u32p).parse(body(block));
    let (_, (local_iface, hi, lo, caplen, origlen)) = r.map_err(|_| {
        format!(
            "the block is {} bytes, an Enhanced Packet Block needs at least 32",
            block.len()
        )
    })?;
    let ticks = (u64::from(hi) << 32) | u64::from(lo);
    let opts_at = data_area(block, 28, caplen, "block")?;
    let mut pb = PacketBlock {
        local_iface,
        ticks: Some(ticks),
        caplen,
        origlen,
        data_off: 28,
        ..Default::default()
    };
    if let Some(opts) = block.get(opts_at..block.len().saturating_sub(4)) {
        if !opts.is_empty() {
            packet_options(&mut pb, opts, e);
        }
    }
    Ok(pb)
}

/// The obsolete Packet Block (type 2): 16-bit interface id and drop count.
pub(crate) fn parse_pb(block: &[u8], e: Endianness) -> Result<PacketBlock, String> {
    let r: IResult<&[u8], (u16, u16, u64, u32, u32)> =
        (nu16(e), nu16(e), |i| ts_pair(i, e), nu32(e), nu32(e)).parse(body(block));
    let (_, (iface, _drops, ticks, caplen, origlen)) =
        r.map_err(|_| format!("the block is {} bytes, a Packet Block needs at least 32", block.len()))?;
    let opts_at = data_area(block, 28, caplen, "block")?;
    let mut pb = PacketBlock {
        local_iface: u32::from(iface),
        ticks: Some(ticks),
        caplen,
        origlen,
        data_off: 28,
        ..Default::default()
    };
    if let Some(opts) = block.get(opts_at..block.len().saturating_sub(4)) {
        if !opts.is_empty() {
            packet_options(&mut pb, opts, e);
        }
    }
    Ok(pb)
}

/// Simple Packet Block: original length and data only (interface 0, no timestamp).
pub(crate) fn parse_spb(block: &[u8], e: Endianness) -> Result<PacketBlock, String> {
    let r: IResult<&[u8], u32> = nu32(e).parse(body(block));
    let (_, origlen) = r.map_err(|_| {
        format!(
            "the block is {} bytes, a Simple Packet Block needs at least 16",
            block.len()
        )
    })?;
    let room = u32::try_from(block.len().saturating_sub(16)).unwrap_or(u32::MAX);
    Ok(PacketBlock {
        local_iface: 0,
        ticks: None,
        caplen: origlen.min(room),
        origlen,
        data_off: 12,
        ..Default::default()
    })
}

/// A Name Resolution Block.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Nrb {
    pub entries: Vec<(IpAddr, String)>,
    pub comments: Vec<String>,
    pub problem: Option<String>,
}

fn nrb_record(i: &[u8], e: Endianness) -> IResult<&[u8], (u16, &[u8])> {
    let (i, (t, len)) = (nu16(e), nu16(e)).parse(i)?;
    let (after, v) = take(len).parse(i)?;
    let rest = i.get(pad4(usize::from(len))..).unwrap_or(after);
    Ok((rest, (t, v)))
}

fn names(v: &[u8]) -> impl Iterator<Item = String> + '_ {
    v.split(|&b| b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
}

pub(crate) fn parse_nrb(block: &[u8], e: Endianness) -> Nrb {
    let mut nrb = Nrb::default();
    let mut rest = body(block);
    loop {
        if rest.len() < 4 {
            // No nrb_record_end: tolerated.
            return nrb;
        }
        let Ok((r, (t, v))) = nrb_record(rest, e) else {
            nrb.problem = Some(format!(
                "a name record runs past the end of the block ({} bytes left)",
                rest.len()
            ));
            return nrb;
        };
        rest = r;
        match t {
            0 => break,
            1 => {
                if let Some(a) = v.get(..4).and_then(|a| <[u8; 4]>::try_from(a).ok()) {
                    let ip = IpAddr::V4(Ipv4Addr::from(a));
                    nrb.entries.extend(names(v.get(4..).unwrap_or(&[])).map(|n| (ip, n)));
                }
            }
            2 => {
                if let Some(a) = v.get(..16).and_then(|a| <[u8; 16]>::try_from(a).ok()) {
                    let ip = IpAddr::V6(Ipv6Addr::from(a));
                    nrb.entries.extend(names(v.get(16..).unwrap_or(&[])).map(|n| (ip, n)));
                }
            }
            _ => {}
        }
    }
    for o in Options::new(rest, e) {
        match o {
            Ok((1, v)) => nrb.comments.push(text(v)),
            Ok(_) => {}
            Err(p) => nrb.problem = Some(p),
        }
    }
    nrb
}

/// An Interface Statistics Block (timestamps in ticks of its interface).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Isb {
    pub local_iface: u32,
    pub ticks: u64,
    pub start: Option<u64>,
    pub end: Option<u64>,
    pub ifrecv: Option<u64>,
    pub ifdrop: Option<u64>,
    pub filter_accept: Option<u64>,
    pub os_drop: Option<u64>,
    pub usr_deliv: Option<u64>,
    pub comments: Vec<String>,
    pub problem: Option<String>,
}

pub(crate) fn parse_isb(block: &[u8], e: Endianness) -> Result<Isb, String> {
    let r: IResult<&[u8], (u32, u64)> = (nu32(e), |i| ts_pair(i, e)).parse(body(block));
    let (opts, (local_iface, ticks)) = r.map_err(|_| {
        format!(
            "the block is {} bytes, an Interface Statistics Block needs at least 24",
            block.len()
        )
    })?;
    let mut isb = Isb {
        local_iface,
        ticks,
        ..Default::default()
    };
    for o in Options::new(opts, e) {
        match o {
            Ok((1, v)) => isb.comments.push(text(v)),
            Ok((2, v)) => isb.start = ts_pair(v, e).ok().map(|(_, t)| t),
            Ok((3, v)) => isb.end = ts_pair(v, e).ok().map(|(_, t)| t),
            Ok((4, v)) => isb.ifrecv = opt_u64(v, e),
            Ok((5, v)) => isb.ifdrop = opt_u64(v, e),
            Ok((6, v)) => isb.filter_accept = opt_u64(v, e),
            Ok((7, v)) => isb.os_drop = opt_u64(v, e),
            Ok((8, v)) => isb.usr_deliv = opt_u64(v, e),
            Ok(_) => {}
            Err(p) => isb.problem = Some(p),
        }
    }
    Ok(isb)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(t: u32, body: &[u8]) -> Vec<u8> {
        let len = (12 + body.len()) as u32;
        let mut b = t.to_le_bytes().to_vec();
        b.extend_from_slice(&len.to_le_bytes());
        b.extend_from_slice(body);
        b.extend_from_slice(&len.to_le_bytes());
        b
    }

    fn opt(code: u16, v: &[u8]) -> Vec<u8> {
        let mut o = code.to_le_bytes().to_vec();
        o.extend_from_slice(&(v.len() as u16).to_le_bytes());
        o.extend_from_slice(v);
        while o.len() & 3 != 0 {
            o.push(0);
        }
        o
    }

    #[test]
    fn tsresol() {
        assert_eq!(ticks_per_sec(6), Some(1_000_000));
        assert_eq!(ticks_per_sec(9), Some(1_000_000_000));
        assert_eq!(ticks_per_sec(0x88), Some(256));
        assert_eq!(ticks_per_sec(19), Some(10_000_000_000_000_000_000));
        assert_eq!(ticks_per_sec(20), None);
        assert_eq!(ticks_per_sec(0x80 | 63), Some(1 << 63));
        assert_eq!(ticks_per_sec(0x80 | 64), None);
        assert_eq!(ticks_per_sec(0xff), None);
    }

    #[test]
    fn idb_options() {
        let mut body = vec![1, 0, 0, 0, 0xff, 0xff, 0, 0];
        body.extend(opt(2, b"eth0"));
        body.extend(opt(3, b"the wire"));
        body.extend(opt(9, &[9]));
        body.extend(opt(13, &[4]));
        body.extend(opt(14, &(-5i64).to_le_bytes()));
        body.extend(opt(1, b"hello\0"));
        body.extend(opt(0, &[]));
        let (i, p) = parse_idb(&block(IDB, &body), Endianness::Little).unwrap();
        assert!(p.is_empty());
        assert_eq!((i.linktype, i.snaplen), (1, 65535));
        assert_eq!(i.name.as_deref(), Some("eth0"));
        assert_eq!(i.description.as_deref(), Some("the wire"));
        assert_eq!(
            (i.tsresol, i.ticks_per_sec, i.fcs_len, i.tsoffset),
            (9, 1_000_000_000, Some(4), -5)
        );
        assert_eq!(i.comments, vec!["hello".to_string()]);
        // An option overrunning the block is an error for an IDB.
        let mut bad = vec![1, 0, 0, 0, 0xff, 0xff, 0, 0];
        bad.extend_from_slice(&[2, 0, 100, 0, b'x', 0, 0, 0]);
        assert!(parse_idb(&block(IDB, &bad), Endianness::Little)
            .unwrap_err()
            .contains("option 2 of length 100"));
    }

    #[test]
    fn epb_and_bad_caplen() {
        let mut body = Vec::new();
        for v in [0u32, 1, 2, 5, 60] {
            body.extend_from_slice(&v.to_le_bytes());
        }
        body.extend_from_slice(&[0xaa; 5]);
        body.extend_from_slice(&[0; 3]);
        body.extend(opt(2, &1u32.to_le_bytes()));
        body.extend(opt(1, b"c"));
        let b = block(EPB, &body);
        let p = parse_epb(&b, Endianness::Little).unwrap();
        assert_eq!(p.ticks, Some((1 << 32) | 2));
        assert_eq!((p.caplen, p.origlen, p.data_off, p.flags), (5, 60, 28, Some(1)));
        assert_eq!(p.comments, vec!["c".to_string()]);
        let mut body2 = body.clone();
        body2[12..16].copy_from_slice(&1000u32.to_le_bytes());
        assert!(parse_epb(&block(EPB, &body2), Endianness::Little)
            .unwrap_err()
            .contains("captured length 1000"));
        assert!(parse_epb(&block(EPB, &body[..8]), Endianness::Little).is_err());
        // Option running past the end: packet kept, problem noted.
        let mut body3 = body[..28].to_vec();
        body3.extend_from_slice(&[1, 0, 50, 0]);
        let p = parse_epb(&block(EPB, &body3), Endianness::Little).unwrap();
        assert!(p.problem.unwrap().contains("option 1 of length 50"));
    }

    #[test]
    fn nrb_records() {
        let mut body = Vec::new();
        let mut r1 = vec![1, 0, 0, 0, 192, 168, 1, 2];
        r1.extend_from_slice(b"a.example\0b.example\0");
        let len = (r1.len() - 4) as u16;
        r1[2..4].copy_from_slice(&len.to_le_bytes());
        while r1.len() % 4 != 0 {
            r1.push(0);
        }
        body.extend(r1);
        let mut r2 = vec![2, 0, 20, 0];
        r2.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        r2.extend_from_slice(b"lo6\0");
        body.extend(r2);
        body.extend_from_slice(&[0x23, 0x01, 2, 0, 9, 9, 0, 0]); // unknown record type
        body.extend_from_slice(&[0, 0, 0, 0]);
        body.extend(opt(1, b"names"));
        let n = parse_nrb(&block(NRB, &body), Endianness::Little);
        assert_eq!(n.problem, None);
        assert_eq!(n.entries.len(), 3);
        assert_eq!(
            n.entries[1],
            (IpAddr::V4(Ipv4Addr::new(192, 168, 1, 2)), "b.example".into())
        );
        assert_eq!(n.entries[2], (IpAddr::V6(Ipv6Addr::LOCALHOST), "lo6".into()));
        assert_eq!(n.comments, vec!["names".to_string()]);
    }
}
