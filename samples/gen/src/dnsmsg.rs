//! A DNS message writer for the DNS samples: header flags, questions and
//! records of the common types, with name compression as real servers do it
//! (RFC 1035 4.1.4: a name whose suffix was already written ends in a
//! pointer to it; names inside SRV and HTTPS data are never compressed,
//! RFC 2782 and RFC 9460), and EDNS(0) OPT records (RFC 6891).

// Header flag bits (the 16-bit word after the id).
pub const QR: u16 = 0x8000;
pub const AA: u16 = 0x0400;
pub const TC: u16 = 0x0200;
pub const RD: u16 = 0x0100;
pub const RA: u16 = 0x0080;
pub const AD: u16 = 0x0020;

// Response codes.
pub const NOERROR: u16 = 0;
pub const SERVFAIL: u16 = 2;
pub const NXDOMAIN: u16 = 3;
pub const REFUSED: u16 = 5;

// Record types.
pub const A: u16 = 1;
pub const NS: u16 = 2;
pub const CNAME: u16 = 5;
pub const SOA: u16 = 6;
pub const MX: u16 = 15;
pub const TXT: u16 = 16;
pub const AAAA: u16 = 28;
pub const SRV: u16 = 33;
pub const OPT: u16 = 41;
pub const HTTPS: u16 = 65;
pub const CAA: u16 = 257;

// EDNS option codes.
pub const OPT_ECS: u16 = 8;
pub const OPT_COOKIE: u16 = 10;
pub const OPT_EDE: u16 = 15;

/// Record data.
pub enum Rd<'a> {
    A([u8; 4]),
    Aaaa([u8; 16]),
    /// CNAME, NS, PTR: one (compressible) name.
    Name(&'a str),
    Mx(u16, &'a str),
    /// Character strings of one TXT record (each at most 255 bytes).
    Txt(&'a [&'a str]),
    Soa {
        mname: &'a str,
        rname: &'a str,
        serial: u32,
        refresh: u32,
        retry: u32,
        expire: u32,
        minimum: u32,
    },
    /// Priority, weight, port, target.
    Srv(u16, u16, u16, &'a str),
    /// Flags, tag, value.
    Caa(u8, &'a str, &'a str),
    /// SvcPriority, TargetName, SvcParams (key, value) in ascending key order.
    Svcb(u16, &'a str, Vec<(u16, Vec<u8>)>),
    Raw(Vec<u8>),
}

/// Which section a record goes to.
#[derive(Clone, Copy)]
pub enum Sec {
    Answer = 1,
    Authority = 2,
    Additional = 3,
}

/// A message being written.
pub struct Msg {
    b: Vec<u8>,
    /// Names (lower case) already written and where, for compression.
    seen: Vec<(String, u16)>,
    counts: [u16; 4],
}

impl Msg {
    /// A header with `id` and the flag word `flags` (QR, opcode, AA, TC,
    /// RD, RA, Z, AD, CD, RCODE).
    pub fn new(id: u16, flags: u16) -> Msg {
        let mut b = Vec::with_capacity(512);
        b.extend(id.to_be_bytes());
        b.extend(flags.to_be_bytes());
        b.extend([0; 8]);
        Msg {
            b,
            seen: Vec::new(),
            counts: [0; 4],
        }
    }

    /// A query: RD set when `rd`.
    pub fn query(id: u16, rd: bool, name: &str, qtype: u16) -> Msg {
        Msg::new(id, if rd { RD } else { 0 }).q(name, qtype)
    }

    /// Appends `name`, compressed against what was written before when `compress`.
    pub fn name(&mut self, name: &str, compress: bool) {
        let name = name.trim_end_matches('.');
        if name.is_empty() {
            self.b.push(0);
            return;
        }
        let labels: Vec<&str> = name.split('.').collect();
        for i in 0..labels.len() {
            let suffix = labels[i..].join(".").to_ascii_lowercase();
            if compress {
                if let Some(&(_, off)) = self.seen.iter().find(|(s, _)| *s == suffix) {
                    self.b.extend((0xc000 | off).to_be_bytes());
                    return;
                }
            }
            if self.b.len() < 0x3fff && !self.seen.iter().any(|(s, _)| *s == suffix) {
                self.seen.push((suffix, self.b.len() as u16));
            }
            let l = labels[i].as_bytes();
            assert!(l.len() <= 63, "label {:?} too long", labels[i]);
            self.b.push(l.len() as u8);
            self.b.extend_from_slice(l);
        }
        self.b.push(0);
    }

    /// A question (class IN).
    pub fn q(mut self, name: &str, qtype: u16) -> Msg {
        self.name(name, true);
        self.b.extend(qtype.to_be_bytes());
        self.b.extend(1u16.to_be_bytes());
        self.counts[0] += 1;
        self
    }

    /// A record of class IN.
    pub fn rr(mut self, sec: Sec, name: &str, rtype: u16, ttl: u32, rd: Rd) -> Msg {
        self.name(name, true);
        self.b.extend(rtype.to_be_bytes());
        self.b.extend(1u16.to_be_bytes());
        self.b.extend(ttl.to_be_bytes());
        self.rdata(rd);
        self.counts[sec as usize] += 1;
        self
    }

    /// An answer record.
    pub fn an(self, name: &str, rtype: u16, ttl: u32, rd: Rd) -> Msg {
        self.rr(Sec::Answer, name, rtype, ttl, rd)
    }

    /// An authority record.
    pub fn ns(self, name: &str, rtype: u16, ttl: u32, rd: Rd) -> Msg {
        self.rr(Sec::Authority, name, rtype, ttl, rd)
    }

    /// An additional record.
    pub fn ad(self, name: &str, rtype: u16, ttl: u32, rd: Rd) -> Msg {
        self.rr(Sec::Additional, name, rtype, ttl, rd)
    }

    /// An EDNS(0) OPT pseudo-record in the additional section: UDP payload
    /// size, DO bit, options (code, data).
    pub fn opt(mut self, udp_size: u16, dnssec_ok: bool, options: &[(u16, Vec<u8>)]) -> Msg {
        self.b.push(0);
        self.b.extend(OPT.to_be_bytes());
        self.b.extend(udp_size.to_be_bytes());
        // Extended RCODE 0, version 0, then the DO bit.
        self.b.extend([0, 0, if dnssec_ok { 0x80 } else { 0 }, 0]);
        let mut data = Vec::new();
        for (code, v) in options {
            data.extend(code.to_be_bytes());
            data.extend((v.len() as u16).to_be_bytes());
            data.extend(v);
        }
        self.b.extend((data.len() as u16).to_be_bytes());
        self.b.extend(data);
        self.counts[3] += 1;
        self
    }

    fn rdata(&mut self, rd: Rd) {
        let at = self.b.len();
        self.b.extend([0, 0]);
        match rd {
            Rd::A(a) => self.b.extend(a),
            Rd::Aaaa(a) => self.b.extend(a),
            Rd::Name(n) => self.name(n, true),
            Rd::Mx(pref, n) => {
                self.b.extend(pref.to_be_bytes());
                self.name(n, true);
            }
            Rd::Txt(strings) => {
                for s in strings {
                    assert!(s.len() <= 255);
                    self.b.push(s.len() as u8);
                    self.b.extend(s.as_bytes());
                }
            }
            Rd::Soa {
                mname,
                rname,
                serial,
                refresh,
                retry,
                expire,
                minimum,
            } => {
                self.name(mname, true);
                self.name(rname, true);
                for v in [serial, refresh, retry, expire, minimum] {
                    self.b.extend(v.to_be_bytes());
                }
            }
            Rd::Srv(prio, weight, port, target) => {
                for v in [prio, weight, port] {
                    self.b.extend(v.to_be_bytes());
                }
                self.name(target, false);
            }
            Rd::Caa(flags, tag, value) => {
                self.b.push(flags);
                self.b.push(tag.len() as u8);
                self.b.extend(tag.as_bytes());
                self.b.extend(value.as_bytes());
            }
            Rd::Svcb(prio, target, params) => {
                self.b.extend(prio.to_be_bytes());
                self.name(target, false);
                for (k, v) in params {
                    self.b.extend(k.to_be_bytes());
                    self.b.extend((v.len() as u16).to_be_bytes());
                    self.b.extend(v);
                }
            }
            Rd::Raw(v) => self.b.extend(v),
        }
        let len = (self.b.len() - at - 2) as u16;
        self.b[at..at + 2].copy_from_slice(&len.to_be_bytes());
    }

    /// Current length (the offset the next byte will have).
    pub fn len(&self) -> usize {
        self.b.len()
    }

    pub fn is_empty(&self) -> bool {
        self.b.is_empty()
    }

    /// Raw bytes appended as they are (for the malformed samples).
    pub fn raw(mut self, v: &[u8]) -> Msg {
        self.b.extend_from_slice(v);
        self
    }

    /// Sets the four counts by hand (for the malformed samples).
    pub fn counts(mut self, qd: u16, an: u16, ns: u16, ar: u16) -> Msg {
        self.counts = [qd, an, ns, ar];
        self
    }

    /// Counts a record appended with [`Msg::raw`].
    pub fn count(mut self, sec: Sec) -> Msg {
        self.counts[sec as usize] += 1;
        self
    }

    pub fn done(mut self) -> Vec<u8> {
        for (i, c) in self.counts.iter().enumerate() {
            self.b[4 + 2 * i..6 + 2 * i].copy_from_slice(&c.to_be_bytes());
        }
        self.b
    }
}

/// The answer to `q`: the same id and question, QR set, RD copied, and the
/// extra `flags` (RA, AA, rcode...).
pub fn answer_to(q: &[u8], flags: u16) -> Msg {
    let id = u16::from_be_bytes([q[0], q[1]]);
    let rd = u16::from_be_bytes([q[2], q[3]]) & RD;
    let mut m = Msg::new(id, QR | rd | flags);
    // Re-read the question (uncompressed in a query) and write it again.
    let mut i = 12;
    let mut labels = Vec::new();
    while q[i] != 0 {
        let n = q[i] as usize;
        labels.push(String::from_utf8_lossy(&q[i + 1..i + 1 + n]).into_owned());
        i += 1 + n;
    }
    let qtype = u16::from_be_bytes([q[i + 1], q[i + 2]]);
    m = m.q(&labels.join("."), qtype);
    m
}

/// SVCB/HTTPS parameter values.
pub mod svc {
    pub const ALPN: u16 = 1;
    pub const IPV4HINT: u16 = 4;
    pub const IPV6HINT: u16 = 6;

    pub fn alpn(ids: &[&str]) -> (u16, Vec<u8>) {
        let mut v = Vec::new();
        for id in ids {
            v.push(id.len() as u8);
            v.extend(id.as_bytes());
        }
        (ALPN, v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_compressed_against_earlier_suffixes() {
        let m = Msg::new(0x1234, QR | RD | RA)
            .q("www.example.com", A)
            .an("www.example.com", CNAME, 60, Rd::Name("web.example.com"))
            .done();
        // Question name at 12; answer owner = pointer to 12; the CNAME
        // target "web" + pointer to "example.com" at 16.
        let ans = 12 + 17 + 4;
        assert_eq!(&m[ans..ans + 2], &[0xc0, 12]);
        let rdata = ans + 2 + 10;
        assert_eq!(&m[rdata..], &[3, b'w', b'e', b'b', 0xc0, 16]);
        assert_eq!(&m[4..12], &[0, 1, 0, 1, 0, 0, 0, 0]);
    }

    #[test]
    fn answer_copies_id_question_and_rd() {
        let q = Msg::query(0xbeef, true, "a.example", AAAA).done();
        let r = answer_to(&q, RA).done();
        assert_eq!(&r[..4], &[0xbe, 0xef, 0x81, 0x80]);
        assert_eq!(&r[12..], &q[12..]);
    }
}
